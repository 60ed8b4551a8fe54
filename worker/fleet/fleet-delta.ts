import type { FleetSnapshot, PoolSnapshotEntry } from './fleet-records.ts';

/** Where an isolate's copy of one shard stands: the shard's storage identity and version. */
export interface ShardCursor {
  readonly epoch: number;
  readonly version: number;
}

/**
 * One shard's answer to "changes since version v": the entries that changed, the pools removed,
 * and the pools whose coalesced heartbeats only refreshed `received_at`. `since: null` is a full
 * read: the receiver drops what it held.
 */
export interface ShardDelta {
  readonly epoch: number;
  readonly version: number;
  readonly since: number | null;
  readonly taken_at: number;
  readonly pools: readonly PoolSnapshotEntry[];
  readonly removed: readonly string[];
  /** `received_at` by pool id. */
  readonly refreshed: Readonly<Record<string, number>>;
}

/** An isolate's copy of one shard. */
export interface ShardState {
  readonly epoch: number;
  readonly version: number;
  readonly taken_at: number;
  readonly entries: ReadonlyMap<string, PoolSnapshotEntry>;
}

/** Whether `delta` can bring `state` up to date (a full read always can). */
export function deltaApplies(state: ShardState | null, delta: ShardDelta): boolean {
  if (delta.since === null) return true;
  return state !== null && state.epoch === delta.epoch && delta.since <= state.version;
}

/**
 * `state` with `delta` applied, or null when the delta starts after `state` (a full read is
 * needed). A delta older than the state changes only how recent the state is known to be. Applying the changes since any version
 * at or before the state's is correct, since each carries the entry as it is now.
 */
export function applyShardDelta(state: ShardState | null, delta: ShardDelta): ShardState | null {
  if (!deltaApplies(state, delta)) return null;
  // Nothing newer than the copy, which the delta confirms current as of its read.
  if (state !== null && delta.since !== null && delta.version <= state.version) {
    return { ...state, taken_at: Math.max(state.taken_at, delta.taken_at) };
  }
  const entries = new Map(delta.since === null || state === null ? [] : state.entries);
  for (const poolId of delta.removed) entries.delete(poolId);
  for (const entry of delta.pools) entries.set(entry.pool.id, entry);
  for (const [poolId, receivedAt] of Object.entries(delta.refreshed)) {
    const entry = entries.get(poolId);
    if (entry) entries.set(poolId, { ...entry, received_at: receivedAt });
  }
  return { epoch: delta.epoch, version: delta.version, taken_at: delta.taken_at, entries };
}

/**
 * The fleet as routing reads it, from the copies of every shard: pools by id, the version the sum
 * of the shards' (it grows with every change of any), taken at the oldest shard read. `held`:
 * shards kept from an earlier read instead of read again, by region; their pools count, their
 * reads do not date the snapshot, and `held_regions` says when each was read.
 */
export function mergeShards(
  states: readonly ShardState[],
  now: number,
  held: ReadonlyMap<string, ShardState> = new Map(),
): FleetSnapshot {
  const all = [...states, ...held.values()];
  const pools = all.flatMap((state) => [...state.entries.values()]);
  pools.sort((first, second) =>
    first.pool.id < second.pool.id ? -1 : first.pool.id > second.pool.id ? 1 : 0,
  );
  const version = all.reduce((sum, state) => sum + state.version, 0);
  const takenAt = states.reduce((oldest, state) => Math.min(oldest, state.taken_at), now);
  if (held.size === 0) return { version, taken_at: takenAt, pools };
  const heldRegions = Object.fromEntries([...held].map(([region, state]) => [region, state.taken_at]));
  return { version, taken_at: takenAt, pools, held_regions: heldRegions };
}

/**
 * When the snapshot's copy of a region was read, where the snapshot kept that region from an
 * earlier read instead of reading it again (`FleetSnapshot.held_regions`); else undefined.
 */
export function heldRegionReadAt(snapshot: FleetSnapshot | null, region: string): number | undefined {
  const held = snapshot?.held_regions;
  return held && Object.hasOwn(held, region) ? held[region] : undefined;
}
