import { staticIneligibility } from './eligibility.ts';
import type { FleetContext } from './expected-completion.ts';
import type { PoolView, RoutingPolicy } from './fleet-view.ts';
import { herdDrift } from './herd-forecast.ts';
import { fleetMedianJobMs } from './scoring.ts';

/**
 * The pools that serve one model in one snapshot, prepared for sampling: build it once per
 * snapshot refresh (O(pools log pools)); each decision then costs O(choices · log pools).
 */
export interface FleetIndex {
  readonly model: string;
  /** Pools that pass the snapshot-only checks (model, enabled, not draining, ready, reported). */
  readonly pools: readonly PoolView[];
  /** Running sum of the sampling weights, same order as `pools`. */
  readonly cumulativeWeight: Float64Array;
  readonly totalWeight: number;
  readonly fleet: FleetContext;
  /** Candidates each decision samples (see `choicesFor`). */
  readonly choices: number;
}

/**
 * Indexes a snapshot for one model.
 *
 * A pool's sampling weight is its throughput, slots / job time: sampling in proportion to how
 * fast a pool drains keeps each pool's share of arrivals near its share of capacity even when
 * the load figures are too stale to say anything.
 *
 * @example
 * const index = indexFleet(toPoolViews(snapshot), 'spillway-tiny', policy);
 */
export function indexFleet(pools: readonly PoolView[], model: string, policy: RoutingPolicy): FleetIndex {
  const candidates = pools.filter((pool) => staticIneligibility(pool, model) === null);
  const fallbackJobMs = fleetMedianJobMs(candidates, policy);
  const weights = candidates.map((pool) => samplingWeight(pool, fallbackJobMs));
  const cumulativeWeight = new Float64Array(candidates.length);
  let total = 0;
  weights.forEach((weight, position) => {
    total += weight;
    cumulativeWeight[position] = total;
  });
  let load = 0;
  let slots = 0;
  for (const pool of candidates) {
    load += pool.queued + pool.running;
    slots += Math.max(1, pool.slots);
  }
  const choices = choicesFor(slots > 0 ? load / slots : 0, policy);
  const drift = herdDrift(candidates, weights, fallbackJobMs, choices);
  return {
    model,
    pools: candidates,
    cumulativeWeight,
    totalWeight: total,
    choices,
    fleet: {
      fallbackJobMs,
      drift: new Map(candidates.map((pool, position) => [pool.poolId, drift[position] ?? 0])),
    },
  };
}

/**
 * Power of d: `policy.choices` if set, else by how busy the snapshot says the fleet is. Two
 * choices are what keep many isolates with stale figures from herding when pools are full; with
 * most slots free there is no herd to fear, and p99 is set by how often both samples are slow
 * pools (1 in 40 with two samples in the default fleet), so more samples are worth it.
 */
export function choicesFor(utilization: number, policy: RoutingPolicy): number {
  if (policy.choices !== undefined) return Math.max(1, Math.floor(policy.choices));
  if (utilization < 0.6) return 4;
  if (utilization < 0.8) return 3;
  return 2;
}

/** Throughput weight of a pool: images per ms it can finish with every slot busy. */
export function samplingWeight(pool: PoolView, fallbackJobMs: number): number {
  return Math.max(1, pool.slots) / Math.max(1, pool.jobMs ?? fallbackJobMs);
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
