import type { StatsAggregator } from './stats-aggregator.ts';

// Apart from the class, so code that only calls the aggregator does not load its implementation.

/** The name of the one stats aggregator object. */
const STATS_AGGREGATOR_NAME = 'stats';

/** The stats aggregator's stub. */
export function statsAggregatorOf(env: Env): DurableObjectStub<StatsAggregator> {
  return env.STATS.getByName(STATS_AGGREGATOR_NAME);
}
