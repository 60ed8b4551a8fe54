import { ShardedFleet } from './sharded-fleet.ts';

// Apart from the class, so code that only calls the registry does not load its implementation.

/** The fleet registry: the directory and its region shards, behind the registry's own methods. */
export function fleetRegistryOf(env: Env): ShardedFleet {
  return new ShardedFleet(env.FLEET);
}
