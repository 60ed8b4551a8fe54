/** The back-off table; created with the rest of the registry's schema. */
export const backoffSchema = `
CREATE TABLE IF NOT EXISTS backoffs (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  until INTEGER NOT NULL
);
`;

/**
 * Notes that a pool asked (`Retry-After` on a 429 or 503) for no traffic until `until`: every
 * isolate skips it from its next snapshot on, not only the one that was told. A later, longer
 * request extends it; a shorter one never cuts it. Returns false for an unknown pool.
 */
export function recordBackoff(sql: SqlStorage, poolId: string, until: number): boolean {
  const known = sql.exec('SELECT 1 FROM pools WHERE id = ?', poolId).toArray();
  if (known.length === 0) return false;
  sql.exec(
    `INSERT INTO backoffs (pool_id, until) VALUES (?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET until = max(until, excluded.until)`,
    poolId,
    until,
  );
  return true;
}

/** Until when each pool is backed off, by pool id (past ones included; readers compare). */
export function backoffUntilByPool(sql: SqlStorage): Map<string, number> {
  const rows = sql.exec<{ pool_id: string; until: number }>('SELECT pool_id, until FROM backoffs');
  return new Map(rows.toArray().map((row) => [row.pool_id, row.until]));
}

/** Removes a pool's back-off (the pool is gone). */
export function forgetBackoff(sql: SqlStorage, poolId: string): void {
  sql.exec('DELETE FROM backoffs WHERE pool_id = ?', poolId);
}
