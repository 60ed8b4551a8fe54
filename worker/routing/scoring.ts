import type { LocalObservations, PoolView, RoutingPolicy, RoutingRequest } from './fleet-view.ts';

/** How much slower a step gets when the batch is full rather than empty (a rough prior). */
export const FULL_BATCH_SLOWDOWN = 0.25;

/**
 * Time for `images` more images on a pool already carrying `load`, ms: while load + images fit
 * in the slots the request starts at once and takes one job time, stretched a little by the
 * batch it joins; beyond that, the overflow drains at `slots` jobs per job time.
 */
export function serviceMs(load: number, images: number, slots: number, jobMs: number): number {
  const overflow = Math.max(0, load + images - slots);
  const batchSlowdown = 1 + (FULL_BATCH_SLOWDOWN * Math.min(load, slots)) / slots;
  return jobMs * batchSlowdown * (1 + overflow / slots);
}

/** Queued + running from whichever of the snapshot and the piggybacked figures is newer. */
export function seenLoad(pool: PoolView, observations: LocalObservations): { load: number; at: number } {
  const piggybacked = observations.piggybacked.get(pool.poolId);
  const reportedAt = pool.reportedAt ?? 0;
  if (piggybacked !== undefined && piggybacked.at > reportedAt) {
    return { load: piggybacked.queued + piggybacked.running, at: piggybacked.at };
  }
  return { load: pool.queued + pool.running, at: reportedAt };
}

/**
 * Predicted time until this request would finish on the pool, in ms, taking the seen load at
 * face value and adding every request this isolate has in flight there. This is the plain
 * two-choices score; `expectedCompletionMs` corrects it for staleness.
 */
export function predictedCompletionMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  policy: RoutingPolicy,
  fallbackJobMs: number = policy.defaultJobMs,
): number {
  const load = seenLoad(pool, observations).load + (observations.inFlight.get(pool.poolId) ?? 0);
  return serviceMs(load, request.images, Math.max(1, pool.slots), pool.jobMs ?? fallbackJobMs);
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

/** Half of what an idle pool's job time exceeds its best by is forgotten every this many ms. */
export const IDLE_JOB_MS_HALF_LIFE_MS = 10_000;

/**
 * The job time to score a pool with, ms. A pool's EWMA only moves when it finishes jobs; one that
 * was slow for a while, and so stopped getting work, keeps reporting the slow figure long after
 * it recovered, and nothing would ever send it the job that shows it is fast again (in the
 * simulator's fault point, 12% of the fleet sat idle for a minute after a 10x slowdown). So,
 * like the decaying latency estimate of Finagle's peak-EWMA balancer, while the pool stays idle
 * its figure fades back to the best it has ever reported. A pool that is always slow keeps its
 * figure (its best is its usual); one that is still slow says so with the first jobs it gets.
 */
export function effectiveJobMs(pool: PoolView, fallbackJobMs: number, now: number): number {
  const measured = pool.jobMs ?? fallbackJobMs;
  const { idleSince, bestJobMs } = pool;
  if (idleSince === undefined || idleSince === null || !bestJobMs || measured <= bestJobMs) return measured;
  const idleMs = Math.max(0, now - idleSince);
  return bestJobMs + (measured - bestJobMs) * 2 ** (-idleMs / IDLE_JOB_MS_HALF_LIFE_MS);
}
