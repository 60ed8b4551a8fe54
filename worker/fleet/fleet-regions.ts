// The directory's part of the registry: which region's shard holds each pool. Only the object
// named `fleet` fills it (`sharded-fleet.ts`); a shard leaves it empty.

/** The placement table; created with the rest of the registry's schema. */
export const regionsSchema = `
CREATE TABLE IF NOT EXISTS pool_regions (
  pool_id TEXT PRIMARY KEY,
  region TEXT NOT NULL,
  provider_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS pool_regions_by_provider ON pool_regions (provider_id);
`;

/** Records where a pool lives; returns the region it lived in before, or null. */
export function placePool(
  sql: SqlStorage,
  poolId: string,
  region: string,
  providerId: string,
): string | null {
  const previous = regionOf(sql, poolId);
  sql.exec(
    `INSERT INTO pool_regions (pool_id, region, provider_id) VALUES (?, ?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET region = excluded.region, provider_id = excluded.provider_id`,
    poolId,
    region,
    providerId,
  );
  return previous;
}

/** Forgets where a pool lived (it was removed). */
export function unplacePool(sql: SqlStorage, poolId: string): void {
  sql.exec('DELETE FROM pool_regions WHERE pool_id = ?', poolId);
}

/** The region whose shard holds the pool, or null for an unknown pool. */
export function regionOf(sql: SqlStorage, poolId: string): string | null {
  const [row] = sql
    .exec<{ region: string }>('SELECT region FROM pool_regions WHERE pool_id = ?', poolId)
    .toArray();
  return row?.region ?? null;
}

/** Every region that holds at least one pool, sorted. */
export function placedRegions(sql: SqlStorage): string[] {
  return sql
    .exec<{ region: string }>('SELECT DISTINCT region FROM pool_regions ORDER BY region')
    .toArray()
    .map((row) => row.region);
}

/** Whether any region holds a pool of the provider. */
export function providerPlaced(sql: SqlStorage, providerId: string): boolean {
  return (
    sql.exec('SELECT 1 FROM pool_regions WHERE provider_id = ? LIMIT 1', providerId).toArray().length > 0
  );
}
