import type { FleetLoader } from './fleet-cache.ts';
import { FleetSnapshotSource } from './fleet-source.ts';
import type { OutcomeSummary } from './outcome-ledger.ts';
import { ShardedFleet } from './sharded-fleet.ts';
import { SharedShardCopies } from './shared-shard-copies.ts';

/**
 * An isolate's {@link FleetLoader}: deltas from every region shard, shared in this location through
 * the Cache API where there is one. `summary` is taken on each refresh and rides along.
 */
export function fleetLoaderOf(env: Env, now: () => number, summary?: () => OutcomeSummary): FleetLoader {
  const shared = typeof caches === 'undefined' ? null : new SharedShardCopies(caches.default, now);
  const source = new FleetSnapshotSource({
    fleet: new ShardedFleet(env.FLEET),
    now,
    shared,
    ...(summary ? { summary } : {}),
  });
  return (fresh) => source.load(fresh);
}
