import { DurableObject } from 'cloudflare:workers';

const schema = `
CREATE TABLE IF NOT EXISTS waiting (
  job_id TEXT PRIMARY KEY,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS waiting_in_order ON waiting (since, job_id);
`;

/** Rooms made before tenants were kept get the column; their entries count as one tenant. */
const TENANT_COLUMN = "ALTER TABLE waiting ADD COLUMN tenant_id TEXT NOT NULL DEFAULT ''";

/**
 * Each waiting job's turn in fair order: tenants take turns one job each (round robin, a deficit
 * round robin with a quantum of one job), in submission order within a tenant and between jobs of
 * the same turn. So one tenant's burst of a hundred jobs puts a later tenant's one job second,
 * not a hundred and first. Turns are counted over the jobs waiting now (no memory of who was
 * served last): stateless, so a room that lost an entry cannot skew later turns.
 */
const FAIR_ORDER = `
  SELECT job_id, since,
         ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY since, job_id) AS turn
  FROM waiting`;

/**
 * The jobs of one model that wait at the edge because no pool could take them (released with
 * backoff), in fair order across tenants (`FAIR_ORDER`), so a waiting job can say how many wait
 * ahead of it and is retried after them. One object per model (`model:<name>`); it is only
 * written when the fleet is out of capacity, and an entry also expires at its job's deadline,
 * so a lost `leave` cannot inflate positions.
 *
 * @example
 * await env.WAITING.getByName('model:spillway-tiny').enter(jobId, createdAt, deadlineAt, tenantId);
 */
export class WaitingRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(schema);
    const columns = this.sql.exec<{ name: string }>('PRAGMA table_info(waiting)').toArray();
    if (!columns.some((column) => column.name === 'tenant_id')) this.sql.exec(TENANT_COLUMN);
  }

  /**
   * Adds the job (or keeps its place): `since` orders it within its tenant, `until` ends its
   * entry. Answers its position, like `positionOf`.
   */
  async enter(jobId: string, since: number, until: number, tenantId = ''): Promise<number> {
    this.sql.exec(
      `INSERT INTO waiting (job_id, since, until, tenant_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET until = excluded.until`,
      jobId,
      since,
      until,
      tenantId,
    );
    return this.#position(jobId, Date.now()) ?? 0;
  }

  /** Removes the job (it reached a pool, or ended). */
  async leave(jobId: string): Promise<void> {
    this.sql.exec('DELETE FROM waiting WHERE job_id = ?', jobId);
  }

  /** Jobs waiting ahead of this one in fair order (0 = next), or null when it is not waiting here. */
  async positionOf(jobId: string, now: number): Promise<number | null> {
    return this.#position(jobId, now);
  }

  #position(jobId: string, now: number): number | null {
    this.sql.exec('DELETE FROM waiting WHERE until <= ?', now);
    const [row] = this.sql
      .exec<{ ahead: number | null; present: number }>(
        `WITH ranked AS (${FAIR_ORDER}),
              me AS (SELECT turn, since FROM ranked WHERE job_id = ?)
         SELECT (SELECT COUNT(*) FROM ranked, me
                 WHERE ranked.turn < me.turn
                    OR (ranked.turn = me.turn
                        AND (ranked.since < me.since OR (ranked.since = me.since AND ranked.job_id < ?)))) AS ahead,
                (SELECT COUNT(*) FROM me) AS present`,
        jobId,
        jobId,
      )
      .toArray();
    return row && row.present > 0 ? (row.ahead ?? 0) : null;
  }
}
