import { percentile } from './metrics.ts';
import { exactCompletionMs } from './policies/oracle-policy.ts';
import type { PoolSim } from './pool-sim.ts';
import type { Job, RunResult } from './sim-types.ts';
import { rounded } from './stats.ts';

/**
 * How much later a job sent to `picked` would come back than on the pool where it would come back
 * soonest, as the pools are right now: the exact completion (`exactCompletionMs`: every running
 * image's remaining steps, the queue and the copies in transit, each pool's true curve, no later
 * arrivals) on the pick over the best of them. 1 is the oracle's choice; NaN when no pool can
 * finish it (all dead or stalled).
 *
 * This judges each decision on the state it was made in, so it separates a policy's choices from
 * the luck of what arrived after them, which the p99 mixes in. It uses the oracle's model of the
 * world (no later arrivals), so a policy that plans for arrivals can show regret it does not have.
 */
export function decisionRegret(
  pools: readonly PoolSim[],
  rtt: readonly number[],
  job: Job,
  picked: number,
  now: number,
): number {
  let best = Number.POSITIVE_INFINITY;
  let chosen = Number.NaN;
  pools.forEach((pool, index) => {
    const ms = exactCompletionMs(pool, job, rtt[index] ?? 0, now);
    best = Math.min(best, ms);
    if (index === picked) chosen = ms;
  });
  return Number.isFinite(best) && best > 0 ? chosen / best : Number.NaN;
}

/** A policy's decision regret at a point (`--regret`): mean and tail over the measured jobs. */
export interface RegretFigures {
  /** Over the sends a pool could finish (null if none could). */
  readonly mean: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  /** Share of first sends that went where the oracle's exact completion was best (within 1%). */
  readonly best_share: number | null;
}

/**
 * The decision regret of the runs' first sends past the warm-up (every seed pooled), or null when
 * the runs did not measure it. A send to a pool that could never finish the job counts as infinite
 * regret (it is in the tail, not dropped).
 */
export function regretFigures(runs: readonly RunResult[], warmupJobs: number): RegretFigures | null {
  const values: number[] = [];
  for (const run of runs) {
    const regret = run.decisionRegret;
    if (!regret) return null;
    for (let job = warmupJobs; job < regret.length; job++) {
      const value = regret[job] ?? Number.NaN;
      if (!Number.isNaN(value)) values.push(value);
    }
  }
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const finite = values.filter(Number.isFinite);
  return {
    mean: rounded(finite.reduce((sum, value) => sum + value, 0) / finite.length),
    p90: rounded(percentile(sorted, 0.9)),
    p99: rounded(percentile(sorted, 0.99)),
    best_share: rounded(values.filter((value) => value <= BEST_TOLERANCE).length / values.length),
  };
}

/** A pick this close to the best counts as the best: ties and float noise. */
const BEST_TOLERANCE = 1.01;
