import {
  argminRandomTies,
  basicEligible,
  type DecisionContext,
  noDecision,
  type SimPolicy,
  withFailover,
} from './policy.ts';

/** Uniform over the eligible pools. */
export function randomPolicy(): SimPolicy {
  return {
    name: 'random',
    central: false,
    edgeFeatures: false,
    decide(context) {
      const eligible = basicEligible(context);
      const chosen = eligible[Math.floor(context.random() * eligible.length)];
      return chosen === undefined ? noDecision : withFailover(chosen, eligible, context.random);
    },
  };
}

/** Each isolate cycles through the pools, skipping ineligible ones. */
export function roundRobinPolicy(): SimPolicy {
  return {
    name: 'round-robin',
    central: false,
    edgeFeatures: false,
    decide(context) {
      const eligible = basicEligible(context);
      if (eligible.length === 0) return noDecision;
      const { dispatcher } = context;
      const chosen = eligible[dispatcher.cursor++ % eligible.length] ?? 0;
      return withFailover(chosen, eligible, context.random);
    },
  };
}

/**
 * Smooth weighted round-robin (nginx) per isolate, weight = registered throughput
 * (slots / job time): the right long-run shares, blind to load.
 */
export function weightedRoundRobinPolicy(weights: readonly number[]): SimPolicy {
  return {
    name: 'weighted-round-robin',
    central: false,
    edgeFeatures: false,
    decide(context) {
      const eligible = basicEligible(context);
      if (eligible.length === 0) return noDecision;
      const current = context.dispatcher.wrrCurrent;
      let total = 0;
      let best = eligible[0] ?? 0;
      for (const pool of eligible) {
        const weight = weights[pool] ?? 0;
        current[pool] = (current[pool] ?? 0) + weight;
        total += weight;
        if ((current[pool] ?? 0) > (current[best] ?? 0)) best = pool;
      }
      current[best] = (current[best] ?? 0) - total;
      return withFailover(best, eligible, context.random);
    },
  };
}

/** Least (queued + running) / slots in the isolate's stale snapshot: the policy that herds. */
export function leastLoadedStalePolicy(): SimPolicy {
  return greedyPolicy('least-loaded-stale', (context, pool) => {
    const view = context.views[pool];
    return view ? (view.queued + view.running) / Math.max(1, view.slots) : 0;
  });
}

/** Fewest of this isolate's own requests in flight (LiteLLM's least-busy). */
export function leastBusyLocalPolicy(): SimPolicy {
  return greedyPolicy(
    'least-busy-local',
    (context, pool) => context.dispatcher.inFlight.get(context.views[pool]?.poolId ?? '') ?? 0,
  );
}

/** Always the eligible pool with the lowest `cost`, random among ties. */
function greedyPolicy(
  name: SimPolicy['name'],
  cost: (context: DecisionContext, pool: number) => number,
): SimPolicy {
  return {
    name,
    central: false,
    edgeFeatures: false,
    decide(context) {
      const eligible = basicEligible(context);
      const chosen = argminRandomTies(eligible, (pool) => cost(context, pool), context.random);
      return chosen < 0 ? noDecision : withFailover(chosen, eligible, context.random);
    },
  };
}
