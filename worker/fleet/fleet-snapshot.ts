import type { RpcValue } from '../storage/rpc-value.ts';
import { deltaFloor, readVersion, removedSince, storageEpoch } from './fleet-changes.ts';
import type { ShardCursor, ShardDelta } from './fleet-delta.ts';
import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';
import {
  type PoolRow,
  type ProviderRow,
  poolFromRow,
  providerFromRow,
  type TelemetryRow,
  telemetryFromRow,
} from './fleet-rows.ts';

/** Restricts a read to the pools whose entry changed after a version (bound as its one argument). */
const CHANGED_SINCE = 'pool_id IN (SELECT pool_id FROM pool_changes WHERE version > ?)';

/**
 * Reads every pool joined with its provider and latest telemetry. Synchronous reads with no
 * `await` between them, so the version matches the rows.
 */
export function readFleetSnapshot(sql: SqlStorage, takenAt: number): RpcValue<FleetSnapshot> {
  return { version: readVersion(sql), taken_at: takenAt, pools: readPoolEntries(sql, null) };
}

/**
 * The changes after `cursor` (a full read when `cursor` is null, names other storage, or is
 * older than the removals this shard still remembers), synchronously like a snapshot.
 */
export function readShardDelta(
  sql: SqlStorage,
  cursor: ShardCursor | null,
  takenAt: number,
): RpcValue<ShardDelta> {
  const epoch = storageEpoch(sql);
  const version = readVersion(sql);
  const answerable =
    cursor !== null &&
    cursor.epoch === epoch &&
    cursor.version >= deltaFloor(sql) &&
    cursor.version <= version;
  if (!answerable) {
    return {
      epoch,
      version,
      since: null,
      taken_at: takenAt,
      pools: readPoolEntries(sql, null),
      removed: [],
      refreshed: {},
    };
  }
  const since = cursor.version;
  const refreshed = Object.fromEntries(
    sql
      .exec<{ pool_id: string; received_at: number }>(
        `SELECT pool_id, received_at FROM telemetry WHERE refreshed_version > ? AND NOT ${CHANGED_SINCE}`,
        since,
        since,
      )
      .toArray()
      .map((row) => [row.pool_id, row.received_at]),
  );
  return {
    epoch,
    version,
    since,
    taken_at: takenAt,
    pools: since === version ? [] : readPoolEntries(sql, since),
    removed: removedSince(sql, since),
    refreshed,
  };
}

/** The snapshot entries of every pool, or of those changed after `since`. */
function readPoolEntries(sql: SqlStorage, since: number | null): RpcValue<PoolSnapshotEntry>[] {
  const where = (column: string) =>
    since === null ? '' : ` WHERE ${CHANGED_SINCE.replace('pool_id', column)}`;
  const read = <Row extends Record<string, SqlStorageValue>>(query: string, column = 'pool_id', order = '') =>
    (since === null
      ? sql.exec<Row>(query + order)
      : sql.exec<Row>(query + where(column) + order, since)
    ).toArray();
  const providerRows = sql.exec<ProviderRow>('SELECT * FROM providers').toArray();
  const providers = new Map(providerRows.map((row) => [row.id, providerFromRow(row)]));
  const sealedCredentials = new Map(providerRows.map((row) => [row.id, row.credentials_sealed]));
  const telemetry = new Map(read<TelemetryRow>('SELECT * FROM telemetry').map((row) => [row.pool_id, row]));
  const byPool = (query: string) =>
    new Map(read<{ pool_id: string; value: number }>(query).map((row) => [row.pool_id, row.value]));
  const suspects = byPool('SELECT pool_id, until AS value FROM suspicions');
  const backoffs = byPool('SELECT pool_id, until AS value FROM backoffs');
  const idleSince = byPool('SELECT pool_id, since AS value FROM pool_idle');
  const bestJobMs = byPool('SELECT pool_id, job_ms AS value FROM pool_best_job_time');
  const bestReferenceStepMs = byPool('SELECT pool_id, step_ms AS value FROM pool_best_reference_step');
  const pools = read<PoolRow>('SELECT * FROM pools', 'id', ' ORDER BY id');
  // putPool and deleteProvider keep every pool's provider registered; the check is for the type.
  return pools.flatMap((row): RpcValue<PoolSnapshotEntry>[] => {
    const provider = providers.get(row.provider_id);
    if (provider === undefined) return [];
    const latest = telemetry.get(row.id);
    return [
      {
        pool: poolFromRow(row),
        provider,
        telemetry: latest === undefined ? null : telemetryFromRow(latest),
        provider_credential: sealedCredentials.get(row.provider_id) ?? null,
        received_at: latest?.received_at ?? null,
        // A back-off a pool asked for keeps routing away exactly as a suspicion does.
        suspect_until: laterOf(suspects.get(row.id), backoffs.get(row.id)),
        idle_since: idleSince.get(row.id) ?? null,
        best_job_ms: bestJobMs.get(row.id) ?? null,
        best_reference_step_ms: bestReferenceStepMs.get(row.id) ?? null,
      },
    ];
  });
}

function laterOf(first: number | undefined, second: number | undefined): number | null {
  if (first === undefined) return second ?? null;
  return second === undefined ? first : Math.max(first, second);
}
