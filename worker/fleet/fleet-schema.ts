import { backoffSchema } from './fleet-backoff.ts';
import { changesSchema, storageEpoch } from './fleet-changes.ts';
import { idleSchema } from './fleet-idle.ts';
import { regionsSchema } from './fleet-regions.ts';
import { suspicionSchema } from './fleet-suspicion.ts';

/**
 * Tables of the fleet registry. Idempotent, so it runs in every constructor: an evicted object
 * reruns its constructor against the same storage.
 */
const fleetSchema = `
CREATE TABLE IF NOT EXISTS providers (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  protocol TEXT NOT NULL,
  credentials_ref TEXT,
  credentials_sealed TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pools (
  id TEXT PRIMARY KEY,
  provider_id TEXT NOT NULL REFERENCES providers (id),
  url TEXT NOT NULL,
  region TEXT NOT NULL,
  models TEXT NOT NULL,
  capacity INTEGER NOT NULL,
  public_key TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  draining INTEGER NOT NULL,
  price_per_image REAL,
  ms_per_megapixel_step REAL,
  upstream TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS pools_by_provider ON pools (provider_id);
CREATE TABLE IF NOT EXISTS telemetry (
  pool_id TEXT PRIMARY KEY REFERENCES pools (id),
  report TEXT NOT NULL,
  reported_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
`;

/**
 * Columns added after the first release, for registries whose tables predate them (a local
 * `.wrangler` state, a deployed object): `CREATE TABLE IF NOT EXISTS` leaves old tables as they are.
 */
const addedColumns: readonly (readonly [table: string, column: string, type: string])[] = [
  ['providers', 'credentials_sealed', 'TEXT'],
  ['pools', 'price_per_image', 'REAL'],
  ['pools', 'ms_per_megapixel_step', 'REAL'],
  ['pools', 'upstream', 'TEXT'],
  // The version whose batch of coalesced heartbeats last refreshed `received_at` (fleet-coalescing.ts).
  ['telemetry', 'refreshed_version', 'INTEGER'],
];

/** Creates the registry's tables if they do not exist yet, and adds columns older ones lack. */
export function createFleetSchema(sql: SqlStorage): void {
  sql.exec(fleetSchema);
  for (const [table, column, type] of addedColumns) {
    const present = sql
      .exec<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`)
      .toArray()
      .some((row) => row.name === column);
    if (!present) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
  }
  sql.exec(suspicionSchema);
  sql.exec(idleSchema);
  sql.exec(backoffSchema);
  sql.exec(changesSchema);
  sql.exec(regionsSchema);
  storageEpoch(sql);
}
