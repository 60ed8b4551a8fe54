import { RECENT_ERRORS_KEPT, type RecentError, type StatsDelta } from './stats-delta.ts';

/** How long per-second counts are kept: a few stats windows. */
export const STATS_RETENTION_S = 300;

const schema = `
CREATE TABLE IF NOT EXISTS window_counts (
  second INTEGER NOT NULL,
  key TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (second, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS totals (key TEXT PRIMARY KEY, value REAL NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS recent_errors (
  at INTEGER NOT NULL,
  request_id TEXT NOT NULL,
  code TEXT NOT NULL,
  status INTEGER NOT NULL,
  pool_id TEXT
);
CREATE INDEX IF NOT EXISTS recent_errors_at ON recent_errors (at);
`;

/** Creates the aggregator's tables (idempotent). */
export function createStatsTables(sql: SqlStorage): void {
  sql.exec(schema);
}

/**
 * Adds an isolate's delta: per-second counts (dropping seconds past {@link STATS_RETENTION_S} at
 * `now`, epoch ms), monotonic totals, and its errors (keeping the newest few).
 */
export function recordDelta(sql: SqlStorage, delta: StatsDelta, now: number): void {
  const oldest = Math.floor(now / 1000) - STATS_RETENTION_S;
  for (const { second, counts } of delta.seconds) {
    if (second <= oldest) continue;
    for (const [key, value] of Object.entries(counts)) {
      sql.exec(
        `INSERT INTO window_counts (second, key, value) VALUES (?, ?, ?)
         ON CONFLICT (second, key) DO UPDATE SET value = value + excluded.value`,
        second,
        key,
        value,
      );
    }
  }
  for (const [key, value] of Object.entries(delta.totals)) {
    sql.exec(
      `INSERT INTO totals (key, value) VALUES (?, ?)
       ON CONFLICT (key) DO UPDATE SET value = value + excluded.value`,
      key,
      value,
    );
  }
  for (const error of delta.errors) {
    sql.exec(
      'INSERT INTO recent_errors (at, request_id, code, status, pool_id) VALUES (?, ?, ?, ?, ?)',
      error.at,
      error.request_id,
      error.code,
      error.status,
      error.pool_id,
    );
  }
  sql.exec('DELETE FROM window_counts WHERE second <= ?', oldest);
  if (delta.errors.length > 0) {
    sql.exec(
      'DELETE FROM recent_errors WHERE rowid NOT IN (SELECT rowid FROM recent_errors ORDER BY at DESC LIMIT ?)',
      RECENT_ERRORS_KEPT,
    );
  }
}

/** Window counters summed over the `windowS` seconds up to `now` (epoch ms), and the newest errors. */
export interface WindowRead {
  readonly counts: ReadonlyMap<string, number>;
  /** Newest first. */
  readonly errors: readonly RecentError[];
}

/** Sums the per-second counts of the last `windowS` seconds (the current second included). */
export function readWindow(sql: SqlStorage, now: number, windowS: number): WindowRead {
  const since = Math.floor(now / 1000) - windowS;
  const counts = new Map<string, number>();
  for (const row of sql.exec<{ key: string; value: number }>(
    'SELECT key, SUM(value) AS value FROM window_counts WHERE second > ? GROUP BY key',
    since,
  )) {
    counts.set(row.key, row.value);
  }
  const errors = sql
    .exec<{ at: number; request_id: string; code: string; status: number; pool_id: string | null }>(
      'SELECT at, request_id, code, status, pool_id FROM recent_errors ORDER BY at DESC LIMIT ?',
      RECENT_ERRORS_KEPT,
    )
    .toArray()
    .map((row) => ({ ...row }));
  return { counts, errors };
}

/** Every monotonic total, by key. */
export function readTotals(sql: SqlStorage): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of sql.exec<{ key: string; value: number }>('SELECT key, value FROM totals')) {
    totals[row.key] = row.value;
  }
  return totals;
}
