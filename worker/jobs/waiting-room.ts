import { DurableObject } from 'cloudflare:workers';
import { drainRatePerMs, drainSchema, noteDeparture, noteOccupied } from './waiting-room-drain.ts';

const schema = `
CREATE TABLE IF NOT EXISTS waiting (
  job_id TEXT PRIMARY KEY,
  since INTEGER NOT NULL,
  until INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS waiting_in_order ON waiting (since, job_id);
`;

/** Columns added since the first rooms; an older room gets them with these defaults. */
const ADDED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  // Entries made before tenants were kept count as one tenant.
  ['tenant_id', "ALTER TABLE waiting ADD COLUMN tenant_id TEXT NOT NULL DEFAULT ''"],
  // Before tiers were kept: paid.
  ['tier_rank', 'ALTER TABLE waiting ADD COLUMN tier_rank INTEGER NOT NULL DEFAULT 1'],
  // Not handed out before this time: being dispatched (a lease), or released to wait its retry delay.
  ['not_before', 'ALTER TABLE waiting ADD COLUMN not_before INTEGER NOT NULL DEFAULT 0'],
  // When a turn last took it (`next`).
  ['offered_at', 'ALTER TABLE waiting ADD COLUMN offered_at INTEGER NOT NULL DEFAULT 0'],
];

/**
 * Each waiting job's place in fair order: tiers first (enterprise, paid, free: `tier_rank`), then
 * within a tier tenants take turns one job each (round robin, a deficit round robin with a
 * quantum of one job), in submission order within a tenant and between jobs of the same turn. So
 * one tenant's burst of a hundred jobs puts a later tenant's one job second, not a hundred and
 * first, and a paid job goes before every free one. Turns are counted over the jobs waiting now
 * (no memory of who was served last): stateless, so a room that lost an entry cannot skew later
 * turns.
 */
const FAIR_ORDER = `
  SELECT job_id, since, tier_rank, not_before, offered_at,
         ROW_NUMBER() OVER (PARTITION BY tier_rank, tenant_id ORDER BY since, job_id) AS turn
  FROM waiting`;

/** How deep in a room a job may be and still get a new message when no turn takes it. */
const RESCUED_POSITIONS = 10;

/** A job as it enters a room: its place in its tenant's order (`since`), its end, its tenant and tier. */
export interface WaitingEntry {
  readonly jobId: string;
  readonly since: number;
  readonly until: number;
  readonly tenantId: string;
  /** `WAITING_TIER_RANK` of its tenant's tier. */
  readonly tierRank: number;
}

/** Where a job waits in its room. */
export interface WaitingPlace {
  /** Jobs ahead of it in fair order (0 = next). */
  readonly position: number;
  /** When it should start at the room's measured drain rate, unix ms; null before the room has measured one. */
  readonly estimatedStartAt: number | null;
}

/**
 * The jobs of one model that wait at the edge for a pool, in fair order (`FAIR_ORDER`). Every job
 * enters at submission and leaves when it reaches a pool or ends; an entry also expires at its
 * job's deadline, so a lost `leave` cannot inflate positions. Queue messages are turns, not
 * orders: the consumer that takes a message dispatches the room's next job (`next`), whichever
 * job the message named, so the queue's own first-in first-out order decides nothing. One object
 * per model (`model:<name>`).
 *
 * @example
 * const room = env.WAITING.getByName('model:spillway-tiny');
 * await room.enter(jobId, createdAt, deadlineAt, tenantId, tierRank);
 * const turn = await room.next(Date.now(), leaseMs); // the job to dispatch now
 */
export class WaitingRoom extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Since when the room has held jobs without a break, as of its last call; null: empty then. */
  #heldSince: number | null;
  /** The last second noted as held: a poll within the same second writes nothing. */
  #notedSecond = Number.NEGATIVE_INFINITY;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(schema);
    this.sql.exec(drainSchema);
    const columns = new Set(
      this.sql
        .exec<{ name: string }>('PRAGMA table_info(waiting)')
        .toArray()
        .map((column) => column.name),
    );
    for (const [name, statement] of ADDED_COLUMNS) if (!columns.has(name)) this.sql.exec(statement);
    this.#heldSince = this.#holdsJobs() ? Date.now() : null;
  }

  /**
   * Notes the seconds the room held jobs (the drain rate's time base), at the end of a call that
   * may change what it holds: nothing changes between calls, so a room that held jobs after the
   * last call held them until now.
   */
  #noteHolding(now: number): void {
    const from = Math.max(this.#heldSince ?? Number.POSITIVE_INFINITY, (this.#notedSecond + 1) * 1000);
    if (Math.floor(from / 1000) <= Math.floor(now / 1000)) {
      noteOccupied(this.sql, from, now);
      this.#notedSecond = Math.floor(now / 1000);
    }
    this.#heldSince = this.#holdsJobs() ? now : null;
  }

  #holdsJobs(): boolean {
    return this.sql.exec('SELECT 1 FROM waiting LIMIT 1').toArray().length > 0;
  }

  /**
   * Adds the job (or keeps its place, `since`, and its tier): `until` ends its entry, and it is
   * not handed out by `next` before `notBefore` (a released job's retry delay). Answers its position.
   */
  async enter(
    jobId: string,
    since: number,
    until: number,
    tenantId = '',
    tierRank = 1,
    notBefore = 0,
  ): Promise<number> {
    this.sql.exec(
      `INSERT INTO waiting (job_id, since, until, tenant_id, tier_rank, not_before) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET until = excluded.until, not_before = excluded.not_before`,
      jobId,
      since,
      until,
      tenantId,
      tierRank,
      notBefore,
    );
    // `#place` notes the holding (`#expire`).
    return this.#place(jobId, Date.now())?.position ?? 0;
  }

  /** Removes the job: `started` when it reached a pool (counted in the drain rate), else it ended. */
  async leave(jobId: string, started = false): Promise<void> {
    const deleted = this.sql.exec('DELETE FROM waiting WHERE job_id = ?', jobId);
    deleted.toArray();
    const now = Date.now();
    if (started && deleted.rowsWritten > 0) noteDeparture(this.sql, now);
    this.#noteHolding(now);
  }

  /**
   * The job to dispatch now: the first in fair order not handed out already (or released to wait)
   * before `now`; it is held for `leaseMs`, so concurrent consumers take different jobs, and comes
   * round again if its consumer never reports back. Null when no job is ready.
   */
  async next(now: number, leaseMs: number): Promise<string | null> {
    this.#expire(now);
    const [row] = this.sql
      .exec<{ job_id: string }>(
        `WITH ranked AS (${FAIR_ORDER})
         SELECT job_id FROM ranked WHERE not_before <= ?
         ORDER BY tier_rank, turn, since, job_id LIMIT 1`,
        now,
      )
      .toArray();
    if (row === undefined) return null;
    this.sql.exec(
      'UPDATE waiting SET not_before = ?, offered_at = ? WHERE job_id = ?',
      now + leaseMs,
      now,
      row.job_id,
    );
    return row.job_id;
  }

  /**
   * Whether a job whose queue message seems lost (unclaimed `quietMs` past due) should be given a
   * new one: when it is not in the room (it enters again, at `since`), or when it is among the
   * first {@link RESCUED_POSITIONS} and no turn took it in `quietMs` (the turns were lost, as
   * in-memory messages are when the local runtime restarts). Turns take the front of a room first,
   * so a job further back is not lost, only waiting, and one at the front that turns keep taking
   * is waiting for a pool: a message for either would be one more turn cycling through a full
   * fleet, and one per waiting job every `quietMs` adds up without end.
   */
  async needsTurn(entry: WaitingEntry, now: number, quietMs: number): Promise<boolean> {
    const place = this.#placeRow(entry.jobId, now);
    if (place === null) {
      await this.enter(entry.jobId, entry.since, entry.until, entry.tenantId, entry.tierRank);
      return true;
    }
    return place.position < RESCUED_POSITIONS && now - place.offeredAt >= quietMs;
  }

  /** Jobs waiting ahead of this one in fair order (0 = next), or null when it is not waiting here. */
  async positionOf(jobId: string, now: number): Promise<number | null> {
    return this.#place(jobId, now)?.position ?? null;
  }

  /** The job's place and estimated start, or null when it is not waiting here. */
  async placeOf(jobId: string, now: number): Promise<WaitingPlace | null> {
    return this.#place(jobId, now);
  }

  #expire(now: number): void {
    this.sql.exec('DELETE FROM waiting WHERE until <= ?', now);
    this.#noteHolding(now);
  }

  #place(jobId: string, now: number): WaitingPlace | null {
    const place = this.#placeRow(jobId, now);
    if (place === null) return null;
    const rate = drainRatePerMs(this.sql, now);
    // It starts once the jobs ahead and then itself have left for pools.
    return {
      position: place.position,
      estimatedStartAt: rate === null ? null : Math.round(now + (place.position + 1) / rate),
    };
  }

  /** The job's position in fair order and when a turn last took it, or null when it is not here. */
  #placeRow(jobId: string, now: number): { position: number; offeredAt: number } | null {
    this.#expire(now);
    const [row] = this.sql
      .exec<{ ahead: number | null; present: number; offered_at: number | null }>(
        `WITH ranked AS (${FAIR_ORDER}),
              me AS (SELECT tier_rank, turn, since, offered_at FROM ranked WHERE job_id = ?)
         SELECT (SELECT COUNT(*) FROM ranked, me
                 WHERE ranked.tier_rank < me.tier_rank
                    OR (ranked.tier_rank = me.tier_rank
                        AND (ranked.turn < me.turn
                             OR (ranked.turn = me.turn
                                 AND (ranked.since < me.since
                                      OR (ranked.since = me.since AND ranked.job_id < ?)))))) AS ahead,
                (SELECT COUNT(*) FROM me) AS present,
                (SELECT offered_at FROM me) AS offered_at`,
        jobId,
        jobId,
      )
      .toArray();
    if (!row || row.present === 0) return null;
    return { position: row.ahead ?? 0, offeredAt: row.offered_at ?? 0 };
  }
}
