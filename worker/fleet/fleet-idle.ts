import type { TelemetryReport } from '../../shared/index.ts';
import { referenceStepMs } from '../routing/index.ts';

// What routing needs to tell a stale job time from a real one (`effectiveJobMs` in
// worker/routing/scoring.ts): since when a pool has had no work, and the best job time it has
// ever reported.

/**
 * The idleness and best-job-time tables; created with the rest of the registry's schema. Tables
 * of their own rather than columns on `telemetry`, so an existing deployment needs no migration.
 */
export const idleSchema = `
CREATE TABLE IF NOT EXISTS pool_idle (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  since INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pool_best_job_time (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  job_ms REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS pool_best_reference_step (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  step_ms REAL NOT NULL
);
`;

/** Records what an accepted report says about the pool's timing: idleness, job time, reference step. */
export function recordReportTimings(
  sql: SqlStorage,
  poolId: string,
  report: TelemetryReport,
  receivedAt: number,
): void {
  recordIdleness(sql, poolId, report.queued + report.running === 0, receivedAt);
  recordJobTime(sql, poolId, report.ewma_job_ms);
  recordReferenceStep(sql, poolId, referenceStepMs(report.work?.step_curve));
}

/**
 * Notes whether the pool's latest accepted report shows no work at all (queued + running = 0).
 * An idle pool finishes no jobs, so its EWMA job time stops updating; routing decays a stale job
 * time while the pool is idle, and needs to know since when. An idle report keeps the earliest
 * `since` (the registry's receive clock, like `received_at`); a report with work clears it.
 */
function recordIdleness(sql: SqlStorage, poolId: string, idle: boolean, receivedAt: number): void {
  if (idle) {
    sql.exec(
      'INSERT INTO pool_idle (pool_id, since) VALUES (?, ?) ON CONFLICT (pool_id) DO NOTHING',
      poolId,
      receivedAt,
    );
  } else {
    forgetIdleness(sql, poolId);
  }
}

/** Removes a pool's idleness (the pool has work). */
export function forgetIdleness(sql: SqlStorage, poolId: string): void {
  sql.exec('DELETE FROM pool_idle WHERE pool_id = ?', poolId);
}

/** Keeps the lowest EWMA job time the pool has reported (null: it has not finished a job yet). */
function recordJobTime(sql: SqlStorage, poolId: string, jobMs: number | null): void {
  if (jobMs === null) return;
  sql.exec(
    `INSERT INTO pool_best_job_time (pool_id, job_ms) VALUES (?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET job_ms = MIN(job_ms, excluded.job_ms)`,
    poolId,
    jobMs,
  );
}

/**
 * Keeps the fastest step curve the pool has reported, as its step time at one batch size
 * (`referenceStepMs` in worker/routing; null: no curve measured yet), so routing can fade an idle
 * pool's stale slow curve back to it as it does job times.
 */
function recordReferenceStep(sql: SqlStorage, poolId: string, stepMs: number | null): void {
  if (stepMs === null || !(stepMs > 0)) return;
  sql.exec(
    `INSERT INTO pool_best_reference_step (pool_id, step_ms) VALUES (?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET step_ms = MIN(step_ms, excluded.step_ms)`,
    poolId,
    stepMs,
  );
}

/** Drops everything this file keeps about a pool (the pool is gone). */
export function forgetPoolTiming(sql: SqlStorage, poolId: string): void {
  forgetIdleness(sql, poolId);
  sql.exec('DELETE FROM pool_best_job_time WHERE pool_id = ?', poolId);
  sql.exec('DELETE FROM pool_best_reference_step WHERE pool_id = ?', poolId);
}

/** The best reference step time each pool has reported, ms, by pool id. */
export function bestReferenceStepMsByPool(sql: SqlStorage): Map<string, number> {
  const rows = sql.exec<{ pool_id: string; step_ms: number }>(
    'SELECT pool_id, step_ms FROM pool_best_reference_step',
  );
  return new Map(rows.toArray().map((row) => [row.pool_id, row.step_ms]));
}

/** The best job time each pool has reported, ms, by pool id. */
export function bestJobMsByPool(sql: SqlStorage): Map<string, number> {
  const rows = sql.exec<{ pool_id: string; job_ms: number }>(
    'SELECT pool_id, job_ms FROM pool_best_job_time',
  );
  return new Map(rows.toArray().map((row) => [row.pool_id, row.job_ms]));
}

/** Since when each idle pool has reported no work (epoch ms, receive clock), by pool id. */
export function idleSinceByPool(sql: SqlStorage): Map<string, number> {
  const rows = sql.exec<{ pool_id: string; since: number }>('SELECT pool_id, since FROM pool_idle');
  return new Map(rows.toArray().map((row) => [row.pool_id, row.since]));
}
