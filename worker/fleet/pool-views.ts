import type { FleetSnapshot, PoolSnapshotEntry } from '../objects/fleet-records.ts';
import type { PoolView } from '../routing/index.ts';

// An isolate serves the same snapshot object for about a second; building views per request
// would cost O(pools) each time, which at thousands of pools outweighs the routing decision.
const viewsBySnapshot = new WeakMap<FleetSnapshot, PoolView[]>();
const entriesBySnapshot = new WeakMap<FleetSnapshot, Map<string, PoolSnapshotEntry>>();

/** {@link toPoolViews}, computed once per snapshot object. */
export function poolViewsOf(snapshot: FleetSnapshot): readonly PoolView[] {
  let views = viewsBySnapshot.get(snapshot);
  if (!views) {
    views = toPoolViews(snapshot);
    viewsBySnapshot.set(snapshot, views);
  }
  return views;
}

/** The snapshot's entry for a pool id, from an index built once per snapshot object. */
export function snapshotEntry(snapshot: FleetSnapshot, poolId: string): PoolSnapshotEntry | undefined {
  let entries = entriesBySnapshot.get(snapshot);
  if (!entries) {
    entries = new Map(snapshot.pools.map((entry) => [entry.pool.id, entry]));
    entriesBySnapshot.set(snapshot, entries);
  }
  return entries.get(poolId);
}

/**
 * Turns registry entries into what routing reads. Freshness is judged by when the edge accepted
 * the heartbeat, not by the pool's own clock, so clock skew between hosts cannot keep a dead pool
 * looking fresh.
 */
export function toPoolViews(snapshot: FleetSnapshot): PoolView[] {
  return snapshot.pools.map(({ pool, telemetry, received_at }) => ({
    poolId: pool.id,
    providerId: pool.provider_id,
    region: pool.region,
    models: telemetry
      ? telemetry.models.map((model) => model.name).filter((name) => pool.models.includes(name))
      : pool.models,
    slots: telemetry?.slots ?? pool.capacity,
    running: telemetry?.running ?? 0,
    queued: telemetry?.queued ?? 0,
    maxQueue: telemetry?.max_queue ?? 0,
    jobMs: telemetry?.ewma_job_ms ?? null,
    draining: pool.draining || (telemetry?.draining ?? false),
    ready: telemetry?.ready ?? false,
    reportedAt: received_at,
    enabled: pool.enabled,
  }));
}
