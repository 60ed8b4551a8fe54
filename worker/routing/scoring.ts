import type { PoolView, RoutingPolicy } from './fleet-view.ts';
import { referenceStepMs } from './work-model.ts';

/**
 * Job time assumed for pools that have not finished a job yet: the median of those that have.
 * A pessimistic default would starve a new pool forever (it never gets the job that would give
 * it a measurement); the fleet's median lets it compete on its load.
 */
export function fleetMedianJobMs(pools: readonly PoolView[], policy: RoutingPolicy): number {
  return median(
    pools.map((pool) => pool.jobMs).filter((jobMs): jobMs is number => jobMs !== null),
    policy.defaultJobMs,
  );
}

/** The median of `values`, or `fallback` when there are none. */
export function median(values: readonly number[], fallback: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return fallback;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? fallback)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
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
  return fadedWhileIdle(measured, pool.bestJobMs, pool.idleSince, now);
}

/**
 * The factor on an idle pool's step curve that fades it back to the fastest curve it has shown,
 * as `effectiveJobMs` does for job times (same half-life): 1 for a busy pool or one at its best.
 * The curve's speed is read at one batch size (`referenceStepMs`), so reports compare.
 */
export function curveIdleScale(pool: PoolView, now: number): number {
  const measured = referenceStepMs(pool.stepCurve);
  if (measured === null || measured <= 0) return 1;
  return fadedWhileIdle(measured, pool.bestReferenceStepMs, pool.idleSince, now) / measured;
}

function fadedWhileIdle(
  measured: number,
  best: number | null | undefined,
  idleSince: number | null | undefined,
  now: number,
): number {
  if (idleSince === undefined || idleSince === null || !best || measured <= best) return measured;
  const idleMs = Math.max(0, now - idleSince);
  return best + (measured - best) * 2 ** (-idleMs / IDLE_JOB_MS_HALF_LIFE_MS);
}
