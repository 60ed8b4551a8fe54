import type { RoutingPolicy } from '../../worker/routing/index.ts';
import { edgeRegions, mixedFleet, rttMs } from './default-fleet.ts';
import { DispatcherState } from './dispatcher-state.ts';
import {
  edgePolicy,
  leastBusyLocalPolicy,
  leastLoadedStalePolicy,
  oraclePolicy,
  priorEdgePolicy,
  randomPolicy,
  roundRobinPolicy,
  type SimPolicy,
  twoChoicesPolicy,
  weightedRoundRobinPolicy,
} from './policies/index.ts';
import { PoolSim } from './pool-sim.ts';
import type { PoolSpec } from './pool-spec.ts';
import { batchImageMegapixels, meanWork, type RequestMix, requestMixOf } from './request-mix.ts';
import { seededRandom } from './rng.ts';
import type { PolicyName, Scenario } from './scenario-schema.ts';
import { curveSpecOf, fullBatchCapacity, type StepTime, stepTimeOf } from './true-curves.ts';

/** First random stream of the pools' measurement noise (one stream per pool after it). */
const MEASUREMENT_STREAM = 100;

/** The scenario's pools, or the built-in fleet, with the scenario's `prices` applied. */
export function fleetOf(scenario: Scenario): readonly PoolSpec[] {
  const pools = scenario.pools ?? mixedFleet;
  const prices = scenario.prices;
  if (!prices) return pools;
  return pools.map((spec) => {
    const price = prices[spec.id];
    return price === undefined ? spec : { ...spec, pricePerImage: price };
  });
}

/** The scenario's request mix. */
export function mixOf(scenario: Scenario): RequestMix {
  return requestMixOf(scenario.requests);
}

/** Each pool's true step time function, in fleet order. */
export function stepTimesOf(scenario: Scenario): StepTime[] {
  return fleetOf(scenario).map((spec) => stepTimeOf(curveSpecOf(spec, scenario), spec));
}

/** Each pool's work per ms with every slot busy with the mix's images (its registered capacity). */
export function capacitiesOf(scenario: Scenario): number[] {
  const megapixels = batchImageMegapixels(mixOf(scenario));
  const stepTimes = stepTimesOf(scenario);
  return fleetOf(scenario).map((spec, index) =>
    fullBatchCapacity(stepTimes[index] ?? (() => 1), spec.slots, megapixels),
  );
}

/** Requests per ms the fleet finishes with every slot busy (rho 1). */
export function fleetCapacityPerMs(scenario: Scenario): number {
  return capacitiesOf(scenario).reduce((sum, capacity) => sum + capacity, 0) / meanWork(mixOf(scenario));
}

/** Fresh pools for one run; their measurement noise is seeded per pool. */
export function makePools(scenario: Scenario, seed: number): PoolSim[] {
  const stepTimes = stepTimesOf(scenario);
  return fleetOf(scenario).map(
    (spec, index) =>
      new PoolSim(index, spec, stepTimes[index] ?? (() => 1), seededRandom(seed, MEASUREMENT_STREAM + index)),
  );
}

/** Isolates spread over edge regions by traffic share (the oracle gets the same, for the RTT). */
export function makeDispatchers(scenario: Scenario): DispatcherState[] {
  const fleet = fleetOf(scenario);
  const ids = fleet.map((spec) => spec.id);
  return Array.from({ length: scenario.dispatchers }, (_, index) => {
    const region = regionAt((index + 0.5) / scenario.dispatchers);
    const rtt = fleet.map((spec) => rttMs(region, spec.region));
    return new DispatcherState(index, region, rtt, ids);
  });
}

function regionAt(quantile: number): string {
  let cumulative = 0;
  for (const entry of edgeRegions) {
    cumulative += entry.share;
    if (quantile < cumulative) return entry.region;
  }
  return edgeRegions.at(-1)?.region ?? 'eu';
}

/** Settings worker/routing gets in the simulation (the edge's defaults). */
export function routingPolicyOf(scenario: Scenario): RoutingPolicy {
  return {
    telemetryTtlMs: scenario.telemetryTtlMs,
    defaultJobMs: 1_000,
    heartbeatIntervalMs: scenario.reportIntervalMs,
    ...(scenario.spillMargin === undefined ? {} : { spillMargin: scenario.spillMargin }),
  };
}

/** A fresh instance of the named policy. */
export function makePolicy(name: PolicyName, scenario: Scenario): SimPolicy {
  switch (name) {
    case 'oracle':
      return oraclePolicy();
    case 'edge':
      return edgePolicy('edge', scenario.objectiveMs);
    case 'fastest':
      return edgePolicy('fastest', undefined);
    case 'cheapest':
      // Every pool meets an infinite objective, so the cheapest band always wins.
      return edgePolicy('cheapest', Number.POSITIVE_INFINITY);
    case 'prior-edge':
      return priorEdgePolicy();
    case 'two-choices':
      return twoChoicesPolicy();
    case 'least-loaded-stale':
      return leastLoadedStalePolicy();
    case 'least-busy-local':
      return leastBusyLocalPolicy();
    case 'weighted-round-robin':
      return weightedRoundRobinPolicy(capacitiesOf(scenario));
    case 'round-robin':
      return roundRobinPolicy();
    case 'random':
      return randomPolicy();
  }
}
