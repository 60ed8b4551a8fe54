import type { FleetSnapshot } from '../objects/fleet-records.ts';
import type { PoolView } from '../routing/index.ts';

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
