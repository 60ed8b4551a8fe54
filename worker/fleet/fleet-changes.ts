// Which snapshot entries changed at which version, so a shard can answer "changes since version v"
// (docs/scaling.md, Snapshots) instead of sending every pool on every refresh.

/** A removal is remembered this long; an isolate further behind gets a full read instead. */
export const REMOVAL_MEMORY_MS = 10 * 60_000;

/** The change tables; created with the rest of the registry's schema. */
export const changesSchema = `
CREATE TABLE IF NOT EXISTS pool_changes (
  pool_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pool_changes_by_version ON pool_changes (version);
CREATE TABLE IF NOT EXISTS pool_removals (
  pool_id TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  removed_at INTEGER NOT NULL
);
`;

/** The registry's change counter; 0 before the first write. */
export function readVersion(sql: SqlStorage): number {
  return readMeta(sql, 'version') ?? 0;
}

/** Increments the change counter and returns the new version; call in the write's synchronous turn. */
export function bumpVersion(sql: SqlStorage): number {
  const [row] = sql
    .exec<{ value: number }>(
      `INSERT INTO meta (key, value) VALUES ('version', 1)
       ON CONFLICT (key) DO UPDATE SET value = value + 1 RETURNING value`,
    )
    .toArray();
  return row?.value ?? 0;
}

/**
 * The storage's identity: drawn once when the tables are created, so an isolate can tell a shard
 * whose storage was wiped (versions start again) from the one it read before.
 */
export function storageEpoch(sql: SqlStorage): number {
  const stored = readMeta(sql, 'epoch');
  if (stored !== null) return stored;
  const epoch = crypto.getRandomValues(new Uint32Array(1))[0] ?? 1;
  sql.exec("INSERT INTO meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO NOTHING", epoch);
  return epoch;
}

/** The oldest version a delta can start from: removals before it were forgotten. */
export function deltaFloor(sql: SqlStorage): number {
  return readMeta(sql, 'removals_floor') ?? 0;
}

/** Notes that a pool's entry changed (record, telemetry, suspicion, back-off, timing). */
export function markPoolChanged(sql: SqlStorage, poolId: string): number {
  const version = bumpVersion(sql);
  sql.exec(
    `INSERT INTO pool_changes (pool_id, version) VALUES (?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version`,
    poolId,
    version,
  );
  sql.exec('DELETE FROM pool_removals WHERE pool_id = ?', poolId);
  return version;
}

/** Notes that every pool of a provider changed (the provider's record is part of each entry). */
export function markProviderChanged(sql: SqlStorage, providerId: string): void {
  const version = bumpVersion(sql);
  sql.exec(
    `INSERT INTO pool_changes (pool_id, version) SELECT id, ? FROM pools WHERE provider_id = ?
     ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version`,
    version,
    providerId,
  );
}

/** Notes that a pool is gone, and forgets removals older than {@link REMOVAL_MEMORY_MS}. */
export function markPoolRemoved(sql: SqlStorage, poolId: string, now: number): void {
  const version = bumpVersion(sql);
  sql.exec('DELETE FROM pool_changes WHERE pool_id = ?', poolId);
  sql.exec(
    `INSERT INTO pool_removals (pool_id, version, removed_at) VALUES (?, ?, ?)
     ON CONFLICT (pool_id) DO UPDATE SET version = excluded.version, removed_at = excluded.removed_at`,
    poolId,
    version,
    now,
  );
  const [pruned] = sql
    .exec<{ floor: number | null }>(
      'SELECT MAX(version) AS floor FROM pool_removals WHERE removed_at < ?',
      now - REMOVAL_MEMORY_MS,
    )
    .toArray();
  if (pruned?.floor == null) return;
  sql.exec('DELETE FROM pool_removals WHERE version <= ?', pruned.floor);
  sql.exec(
    `INSERT INTO meta (key, value) VALUES ('removals_floor', ?)
     ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)`,
    pruned.floor,
  );
}

/** Pools removed after `version`. */
export function removedSince(sql: SqlStorage, version: number): string[] {
  return sql
    .exec<{ pool_id: string }>(
      'SELECT pool_id FROM pool_removals WHERE version > ? ORDER BY pool_id',
      version,
    )
    .toArray()
    .map((row) => row.pool_id);
}

function readMeta(sql: SqlStorage, key: string): number | null {
  const [row] = sql.exec<{ value: number }>('SELECT value FROM meta WHERE key = ?', key).toArray();
  return row?.value ?? null;
}
