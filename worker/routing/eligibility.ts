import type { LocalObservations, PoolView, RoutingPolicy, RoutingRequest } from './fleet-view.ts';

/** Why a pool cannot take a request. */
export type Ineligibility =
  | 'model'
  | 'disabled'
  | 'draining'
  | 'not-ready'
  | 'no-telemetry'
  | 'stale-telemetry'
  | 'ejected'
  | 'provider-not-allowed'
  | 'region-not-allowed';

/** The first reason a pool cannot take the request, or null if it can. */
export function ineligibility(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): Ineligibility | null {
  if (!pool.models.includes(request.model)) return 'model';
  if (!pool.enabled) return 'disabled';
  if (pool.draining) return 'draining';
  if (!pool.ready) return 'not-ready';
  if (pool.reportedAt === null) return 'no-telemetry';
  if (now - pool.reportedAt > policy.telemetryTtlMs) return 'stale-telemetry';
  if ((observations.ejectedUntil.get(pool.poolId) ?? 0) > now) return 'ejected';
  if (request.allowedProviders.length > 0 && !request.allowedProviders.includes(pool.providerId)) {
    return 'provider-not-allowed';
  }
  if (request.allowedRegions.length > 0 && !request.allowedRegions.includes(pool.region))
    return 'region-not-allowed';
  return null;
}

/** The pools that can take the request. */
export function eligiblePools(
  pools: readonly PoolView[],
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): PoolView[] {
  return pools.filter((pool) => ineligibility(pool, request, observations, policy, now) === null);
}
