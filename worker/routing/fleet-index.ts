import type { DrainClock } from './drain-clock.ts';
import { freshnessAt, heartbeatLagLimitMs, sendsOwnHeartbeats, staticIneligibility } from './eligibility.ts';
import type { FleetContext } from './expected-completion.ts';
import type { ModelDefaults, PoolView, RoutingPolicy } from './fleet-view.ts';
import { forecastLoads } from './load-forecast.ts';
import { fleetWaitingImageWork, imageWorkOf, reportsWork } from './pool-load.ts';
import { speedOf, unmeasuredCurve } from './pool-speed.ts';
import { fleetMedianJobMs } from './scoring.ts';
import { bandOfPositions, forecastObjectiveOf, type PriceBand, priceBandsOf, SPILL_MARGIN } from './spill.ts';
import {
  fullBatchThroughput,
  modelDefaultsOf,
  type PoolSpeed,
  type TypicalImage,
  typicalImageOf,
} from './work-model.ts';

/**
 * The pools that serve one model in one snapshot, prepared for sampling: build it once per
 * snapshot refresh (O(pools log pools)); each decision then costs O(choices · log pools).
 */
export interface FleetIndex {
  readonly model: string;
  /** The model's defaults as most pools report them (null if none does): see `modelDefaultsOf`. */
  readonly defaults: ModelDefaults | null;
  /**
   * Pools that pass the snapshot-only checks (model, enabled, not draining, ready, reported, not
   * behind on heartbeats, for pools that send their own: `heartbeatLagLimitMs`, `sendsOwnHeartbeats`).
   */
  readonly pools: readonly PoolView[];
  /** Running sum of the sampling weights, same order as `pools`. */
  readonly cumulativeWeight: Float64Array;
  readonly totalWeight: number;
  readonly fleet: FleetContext;
  /** Candidates each decision samples (`policy.choices`, default `DEFAULT_CHOICES`). */
  readonly choices: number;
  /** The pools by price per image, cheapest band first (`priceBandsOf`); one band when all cost the same. */
  readonly priceBands: readonly PriceBand[];
}

/**
 * Indexes a snapshot for one model.
 *
 * Each pool gets a speed (`PoolSpeed`): its measured step curve, faded while idle
 * (`curveIdleScale`); a pool that reports work but has measured no step yet gets the fleet's
 * median throughput with no batching gain; a pool that reports no work section gets a no-gain
 * curve through its job time (`effectiveJobMs`), one typical image per job. A pool's sampling
 * weight is its full-batch throughput (`fullBatchThroughput`): sampling in proportion to how
 * fast a pool drains keeps each pool's share of arrivals near its share of capacity even when
 * the load figures are too stale to say anything. Everything is as of the snapshot's newest
 * report.
 *
 * @example
 * const index = indexFleet(toPoolViews(snapshot), 'spillway-tiny', policy);
 */
export function indexFleet(pools: readonly PoolView[], model: string, policy: RoutingPolicy): FleetIndex {
  const serving = pools.filter((pool) => staticIneligibility(pool, model) === null);
  let takenAt = 0;
  for (const pool of serving) takenAt = Math.max(takenAt, pool.reportedAt ?? 0);
  const lagLimitMs = heartbeatLagLimitMs(policy);
  const candidates = serving.filter(
    (pool) => !sendsOwnHeartbeats(pool) || freshnessAt(pool, takenAt) - (pool.reportedAt ?? 0) <= lagLimitMs,
  );
  const defaults = modelDefaultsOf(serving, model);
  const typical = typicalImageOf(defaults);
  const typicalWork = typical.steps * typical.imageMegapixels;
  const fallbackJobMs = fleetMedianJobMs(candidates, policy);
  const fallbackCurve = unmeasuredCurve(candidates, typical, takenAt);
  const base = { typical, fallbackJobMs, fallbackCurve, takenAt };
  const speeds = candidates.map((pool) => speedOf(pool, base));
  const weights = speeds.map((speed) => samplingWeight(speed, typical));
  const cumulativeWeight = new Float64Array(candidates.length);
  let total = 0;
  weights.forEach((weight, position) => {
    total += weight;
    cumulativeWeight[position] = total;
  });
  const choices = Math.max(1, Math.floor(policy.choices ?? DEFAULT_CHOICES));
  const waitingImageWork = fleetWaitingImageWork(candidates, typicalWork);
  const imageWork = candidates.map((pool) => imageWorkOf(pool, typical, waitingImageWork));
  const loads = candidates.map((pool, position) => ({
    images: pool.queued + pool.running,
    work: reportsWork(pool)
      ? (pool.queuedWork ?? 0) + (pool.runningWork ?? 0)
      : (pool.queued + pool.running) * (imageWork[position]?.perImage ?? typicalWork),
  }));
  const priceBands = priceBandsOf(candidates, weights);
  const objectiveMs = forecastObjectiveOf(policy);
  const spill =
    priceBands.length > 1 && objectiveMs !== undefined
      ? {
          bandOf: bandOfPositions(priceBands, candidates.length),
          bands: priceBands.length,
          objectiveMs,
          margin: policy.spillMargin ?? SPILL_MARGIN,
        }
      : undefined;
  return {
    model,
    defaults,
    pools: candidates,
    cumulativeWeight,
    totalWeight: total,
    choices,
    priceBands,
    fleet: {
      takenAt,
      typical,
      fallbackJobMs,
      fallbackCurve,
      speeds,
      waitingImageWork,
      imageWork,
      forecast: forecastLoads(speeds, loads, imageWork, weights, choices, takenAt, typical, spill),
      positions: new Map(candidates.map((pool, position) => [pool.poolId, position])),
      drainClocks: new Array<DrainClock | undefined>(candidates.length),
    },
  };
}

/**
 * Candidates per decision (power of d). Without a forecast, more than two choices make stale
 * isolates herd onto whatever looked best; with the forecast (`forecastLoads`) the herd is
 * already priced into every score, so more samples only mean a better pick. In the simulator
 * (bench/routing), at rho 0.5-0.7 p99 over the oracle went 1.15-1.20 (2-4 choices) -> 1.13-1.15
 * (6) -> 1.11-1.14 (8) -> no better (16), for about 1 µs more per decision at 1,000 pools.
 */
export const DEFAULT_CHOICES = 8;

/** Throughput weight of a pool: megapixel-steps per ms it finishes with a full batch of typical images. */
export function samplingWeight(speed: PoolSpeed, typical: TypicalImage): number {
  return fullBatchThroughput(speed, typical);
}

/** The sampling weight of the pool at `position` in the index. */
export function weightAt(index: FleetIndex, position: number): number {
  return (
    (index.cumulativeWeight[position] ?? 0) - (position > 0 ? (index.cumulativeWeight[position - 1] ?? 0) : 0)
  );
}

/** Position of a weighted random pool in `index.pools` (binary search on the running sum). */
export function samplePosition(index: FleetIndex, random: () => number): number {
  const target = random() * index.totalWeight;
  let low = 0;
  let high = index.pools.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((index.cumulativeWeight[middle] ?? 0) > target) high = middle;
    else low = middle + 1;
  }
  return low;
}
