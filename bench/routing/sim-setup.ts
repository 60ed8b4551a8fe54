import type { RoutingPolicy } from '../../worker/routing/index.ts';
import { edgeRegions, mixedFleet, rttMs } from './default-fleet.ts';
import { DispatcherState } from './dispatcher-state.ts';
import {
  edgePolicy,
  leastBusyLocalPolicy,
  leastLoadedStalePolicy,
  oraclePolicy,
  randomPolicy,
  roundRobinPolicy,
  type SimPolicy,
  twoChoicesPolicy,
  weightedRoundRobinPolicy,
} from './policies/index.ts';
import { PoolSim } from './pool-sim.ts';
import type { PoolSpec } from './pool-spec.ts';
import type { PolicyName, Scenario } from './scenario-schema.ts';

/** The scenario's pools, or the built-in fleet. */
export function fleetOf(scenario: Scenario): readonly PoolSpec[] {
  return scenario.pools ?? mixedFleet;
}

/** Jobs per ms the fleet finishes with every slot busy. */
export function fleetCapacityPerMs(scenario: Scenario): number {
  return fleetOf(scenario).reduce(
    (sum, spec) => sum + spec.slots / (spec.jobMs * (1 + scenario.batchSlowdown)),
    0,
  );
}

/** Fresh pools for one run. */
export function makePools(scenario: Scenario): PoolSim[] {
  return fleetOf(scenario).map((spec, index) => new PoolSim(index, spec, scenario.batchSlowdown));
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
  };
}

/** A fresh instance of the named policy. */
export function makePolicy(name: PolicyName, scenario: Scenario): SimPolicy {
  switch (name) {
    case 'oracle':
      return oraclePolicy();
    case 'edge':
      return edgePolicy();
    case 'two-choices':
      return twoChoicesPolicy();
    case 'least-loaded-stale':
      return leastLoadedStalePolicy();
    case 'least-busy-local':
      return leastBusyLocalPolicy();
    case 'weighted-round-robin':
      return weightedRoundRobinPolicy(fleetOf(scenario).map((spec) => spec.slots / spec.jobMs));
    case 'round-robin':
      return roundRobinPolicy();
    case 'random':
      return randomPolicy();
  }
}
