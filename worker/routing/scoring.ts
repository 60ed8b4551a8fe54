import type { LocalObservations, PoolView, RoutingPolicy, RoutingRequest } from './fleet-view.ts';

/** How much slower a step gets when the batch is full rather than empty (a rough prior). */
const FULL_BATCH_SLOWDOWN = 0.25;

/**
 * Predicted time until this request would finish on the pool, in ms.
 *
 * Load is queued + running, taken from whichever of the snapshot and the piggybacked figures is
 * newer, plus this isolate's own requests in flight (which the pool may not have reported yet).
 * While load + images fit in the slots the request starts at once and takes one job time,
 * stretched a little by the batch it joins; beyond that, the overflow drains at `slots` jobs
 * per job time.
 */
export function predictedCompletionMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  fallbackJobMs: number = policy.defaultJobMs,
): number {
  const piggybacked = observations.piggybacked.get(pool.poolId);
  const useFresher = piggybacked !== undefined && piggybacked.at > (pool.reportedAt ?? 0);
  const queued = useFresher ? piggybacked.queued : pool.queued;
  const running = useFresher ? piggybacked.running : pool.running;
  const load = queued + running + (observations.inFlight.get(pool.poolId) ?? 0);
  const slots = Math.max(1, pool.slots);
  const jobMs = pool.jobMs ?? fallbackJobMs;
  const overflow = Math.max(0, load + request.images - slots);
  const batchSlowdown = 1 + (FULL_BATCH_SLOWDOWN * Math.min(load, slots)) / slots;
  return jobMs * batchSlowdown * (1 + overflow / slots);
}

/**
 * Job time assumed for pools that have not finished a job yet: the median of those that have.
 * A pessimistic default would starve a new pool forever (it never gets the job that would give
 * it a measurement); the fleet's median lets it compete on its load.
 */
export function fleetMedianJobMs(pools: readonly PoolView[], policy: RoutingPolicy): number {
  const known = pools
    .map((pool) => pool.jobMs)
    .filter((jobMs): jobMs is number => jobMs !== null)
    .sort((a, b) => a - b);
  if (known.length === 0) return policy.defaultJobMs;
  const middle = Math.floor(known.length / 2);
  return known.length % 2 === 1
    ? (known[middle] ?? policy.defaultJobMs)
    : ((known[middle - 1] ?? 0) + (known[middle] ?? 0)) / 2;
}
