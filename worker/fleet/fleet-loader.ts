import type { FleetLoader } from './fleet-cache.ts';
import { FleetSnapshotSource } from './fleet-source.ts';
import type { OutcomeSummary } from './outcome-ledger.ts';
import { ShardedFleet } from './sharded-fleet.ts';
import { SharedShardCopies } from './shared-shard-copies.ts';

/** What an isolate's fleet loader is told besides the environment. */
export interface FleetLoaderHooks {
  /** The isolate's outcome summary, taken on each refresh and riding along. */
  readonly summary?: () => OutcomeSummary;
  /** When the isolate last sent to each pool: regions it routes to are read every time. */
  readonly routedPools?: () => ReadonlyMap<string, number>;
}

/**
 * An isolate's {@link FleetLoader}: deltas from the region shards (every time from those it routes
 * to, every few seconds from the rest), shared in this location through the Cache API where there
 * is one.
 */
export function fleetLoaderOf(env: Env, now: () => number, hooks: FleetLoaderHooks = {}): FleetLoader {
  const shared = typeof caches === 'undefined' ? null : new SharedShardCopies(caches.default, now);
  const source = new FleetSnapshotSource({ fleet: new ShardedFleet(env.FLEET), now, shared, ...hooks });
  return (fresh) => source.load(fresh);
}
