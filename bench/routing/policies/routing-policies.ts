import {
  type FleetIndex,
  fleetMedianJobMs,
  indexFleet,
  type PoolView,
  pickPools,
  predictedCompletionMs,
  type RoutingRequest,
} from '../../../worker/routing/index.ts';
import { SIM_MODEL } from '../registry-sim.ts';
import { basicEligible, noDecision, type SimPolicy, withFailover } from './policy.ts';

const request: RoutingRequest = { model: SIM_MODEL, images: 1, allowedProviders: [], allowedRegions: [] };

/**
 * Capacity-weighted power of two choices on predicted completion, exactly as `rankPools` did
 * before issue 4 (Envoy's weighted least-request idea): two pools drawn in proportion to slots,
 * keep the one `predictedCompletionMs` says finishes sooner. No staleness correction, no
 * network term, no stall detection or hedging.
 */
export function twoChoicesPolicy(): SimPolicy {
  const medians = new WeakMap<readonly PoolView[], number>();
  return {
    name: 'two-choices',
    central: false,
    edgeFeatures: false,
    decide(context) {
      const eligible = basicEligible(context);
      if (eligible.length === 0) return noDecision;
      let fallbackJobMs = medians.get(context.views);
      if (fallbackJobMs === undefined) {
        fallbackJobMs = fleetMedianJobMs(context.views, context.routing);
        medians.set(context.views, fallbackJobMs);
      }
      const first = sampleBySlots(eligible, context.views, context.random, -1);
      const second = sampleBySlots(eligible, context.views, context.random, first);
      const score = (pool: number) => {
        const view = context.views[pool];
        return view
          ? predictedCompletionMs(view, request, context.dispatcher, context.routing, fallbackJobMs)
          : Number.POSITIVE_INFINITY;
      };
      const chosen = second >= 0 && score(second) < score(first) ? second : first;
      return { ...withFailover(chosen, eligible, context.random), predictedMs: score(chosen) };
    },
  };
}

function sampleBySlots(
  eligible: readonly number[],
  views: readonly PoolView[],
  random: () => number,
  skip: number,
): number {
  let total = 0;
  for (const pool of eligible) if (pool !== skip) total += Math.max(1, views[pool]?.slots ?? 1);
  let target = random() * total;
  let last = -1;
  for (const pool of eligible) {
    if (pool === skip) continue;
    last = pool;
    target -= Math.max(1, views[pool]?.slots ?? 1);
    if (target < 0) return pool;
  }
  return last;
}

/**
 * The edge's policy: `pickPools` from worker/routing on an index built once per snapshot (the
 * same code the Worker runs). The simulation adds what the edge does around it: stall detection
 * inputs, hedging and shared suspicion.
 */
export function edgePolicy(): SimPolicy {
  const indexes = new WeakMap<readonly PoolView[], FleetIndex>();
  return {
    name: 'edge',
    central: false,
    edgeFeatures: true,
    decide(context) {
      let index = indexes.get(context.views);
      if (!index) {
        index = indexFleet(context.views, SIM_MODEL, context.routing);
        indexes.set(context.views, index);
      }
      const picked = pickPools(index, {
        request,
        observations: context.dispatcher,
        policy: context.routing,
        now: context.now,
        random: context.random,
      });
      const pools: number[] = [];
      let predictedMs = 0;
      for (const entry of picked) {
        const pool = context.poolIndex.get(entry.pool.poolId);
        if (pool === undefined || pool === context.exclude) continue;
        if (pools.length === 0) predictedMs = entry.predictedMs;
        pools.push(pool);
      }
      return { pools, predictedMs };
    },
  };
}
