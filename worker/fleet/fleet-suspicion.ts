import {
  raiseSuspicion,
  type Suspicion,
  type SuspicionReason,
  suspicionCleared,
  type TelemetryFigures,
} from '../routing/suspicion.ts';
import { type TelemetryRow, telemetryFromRow } from './fleet-rows.ts';

type SuspicionRow = {
  pool_id: string;
  since: number;
  until: number;
  queued: number | null;
  running: number | null;
  job_ms: number | null;
  has_figures: number;
};

/** The suspicion table; created with the rest of the registry's schema. */
export const suspicionSchema = `
CREATE TABLE IF NOT EXISTS suspicions (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  since INTEGER NOT NULL,
  until INTEGER NOT NULL,
  queued INTEGER,
  running INTEGER,
  job_ms REAL,
  has_figures INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS suspicion_reasons (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  reason TEXT NOT NULL
);
`;

/**
 * Marks a pool suspect after an isolate saw it refuse connections (`refused`) or go quiet mid-job
 * (`stalled`; see `worker/routing/suspicion.ts`): the note reaches every isolate with its next
 * snapshot, rather than each learning from its own failed request. The reason is kept in a table
 * of its own, so an existing deployment needs no migration. Returns false for an unknown pool.
 */
export function recordSuspicion(
  sql: SqlStorage,
  poolId: string,
  now: number,
  reason: SuspicionReason = 'refused',
): boolean {
  const known = sql.exec('SELECT 1 FROM pools WHERE id = ?', poolId).toArray();
  if (known.length === 0) return false;
  const next = raiseSuspicion(readSuspicion(sql, poolId), latestFigures(sql, poolId), now, reason);
  sql.exec(
    `INSERT INTO suspicion_reasons (pool_id, reason) VALUES (?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET reason = excluded.reason`,
    poolId,
    next.reason,
  );
  sql.exec(
    `INSERT INTO suspicions (pool_id, since, until, queued, running, job_ms, has_figures)
     VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET
       since = excluded.since, until = excluded.until, queued = excluded.queued,
       running = excluded.running, job_ms = excluded.job_ms, has_figures = excluded.has_figures`,
    poolId,
    next.since,
    next.until,
    next.figures?.queued ?? null,
    next.figures?.running ?? null,
    next.figures?.jobMs ?? null,
    next.figures ? 1 : 0,
  );
  return true;
}

/** Drops the pool's suspicion once new telemetry shows it moving (or the note ran out). */
export function clearSuspicionIfMoved(sql: SqlStorage, poolId: string, now: number): void {
  const suspicion = readSuspicion(sql, poolId);
  if (suspicion && suspicionCleared(suspicion, latestFigures(sql, poolId), now)) forgetSuspicion(sql, poolId);
}

/** Removes a pool's suspicion (the pool is gone, or cleared). */
export function forgetSuspicion(sql: SqlStorage, poolId: string): void {
  sql.exec('DELETE FROM suspicions WHERE pool_id = ?', poolId);
  sql.exec('DELETE FROM suspicion_reasons WHERE pool_id = ?', poolId);
}

/** Until when each suspect pool is held suspect, by pool id. */
export function suspectUntilByPool(sql: SqlStorage): Map<string, number> {
  const rows = sql.exec<Pick<SuspicionRow, 'pool_id' | 'until'>>('SELECT pool_id, until FROM suspicions');
  return new Map(rows.toArray().map((row) => [row.pool_id, row.until]));
}

function readSuspicion(sql: SqlStorage, poolId: string): Suspicion | undefined {
  const [row] = sql.exec<SuspicionRow>('SELECT * FROM suspicions WHERE pool_id = ?', poolId).toArray();
  if (row === undefined) return undefined;
  const figures =
    row.has_figures === 1 ? { queued: row.queued ?? 0, running: row.running ?? 0, jobMs: row.job_ms } : null;
  const [stored] = sql
    .exec<{ reason: string }>('SELECT reason FROM suspicion_reasons WHERE pool_id = ?', poolId)
    .toArray();
  // Notes from before reasons were kept were all refusals.
  const reason: SuspicionReason = stored?.reason === 'stalled' ? 'stalled' : 'refused';
  return { since: row.since, until: row.until, reason, figures };
}

function latestFigures(sql: SqlStorage, poolId: string): TelemetryFigures | null {
  const [row] = sql.exec<TelemetryRow>('SELECT * FROM telemetry WHERE pool_id = ?', poolId).toArray();
  if (row === undefined) return null;
  const report = telemetryFromRow(row);
  return { queued: report.queued, running: report.running, jobMs: report.ewma_job_ms, at: report.timestamp };
}

/** Whether the pool is marked suspect now. */
export function isSuspect(sql: SqlStorage, poolId: string): boolean {
  return sql.exec('SELECT 1 FROM suspicions WHERE pool_id = ?', poolId).toArray().length > 0;
}
