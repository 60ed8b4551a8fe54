import { DurableObject } from 'cloudflare:workers';

const schema = `
CREATE TABLE IF NOT EXISTS waiting (
  job_id TEXT PRIMARY KEY,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS waiting_in_order ON waiting (since, job_id);
`;

/**
 * The jobs of one model that wait at the edge because no pool could take them (released with
 * backoff), in submission order, so a waiting job can say how many wait ahead of it. One
 * object per model (`model:<name>`); it is only written when the fleet is out of capacity, and
 * an entry also expires at its job's deadline, so a lost `leave` cannot inflate positions.
 *
 * @example
 * await env.WAITING.getByName('model:spillway-tiny').enter(jobId, createdAt, deadlineAt);
 */
export class WaitingRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(schema);
  }

  /** Adds the job (or keeps its place): `since` orders it, `until` ends its entry. */
  async enter(jobId: string, since: number, until: number): Promise<void> {
    this.sql.exec(
      `INSERT INTO waiting (job_id, since, until) VALUES (?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET until = excluded.until`,
      jobId,
      since,
      until,
    );
  }

  /** Removes the job (it reached a pool, or ended). */
  async leave(jobId: string): Promise<void> {
    this.sql.exec('DELETE FROM waiting WHERE job_id = ?', jobId);
  }

  /** Jobs waiting ahead of this one (0 = next), or null when it is not waiting here. */
  async positionOf(jobId: string, now: number): Promise<number | null> {
    this.sql.exec('DELETE FROM waiting WHERE until <= ?', now);
    const [mine] = this.sql
      .exec<{ since: number }>('SELECT since FROM waiting WHERE job_id = ?', jobId)
      .toArray();
    if (mine === undefined) return null;
    const [ahead] = this.sql
      .exec<{ count: number }>(
        'SELECT COUNT(*) AS count FROM waiting WHERE since < ? OR (since = ? AND job_id < ?)',
        mine.since,
        mine.since,
        jobId,
      )
      .toArray();
    return ahead?.count ?? 0;
  }
}
