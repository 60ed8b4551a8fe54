import type { FleetRegistry } from './fleet-registry.ts';

// Apart from the class, so code that only calls the registry does not load its implementation.

/** The name of the one fleet registry object. */
const FLEET_REGISTRY_NAME = 'fleet';

/** The fleet registry's stub. */
export function fleetRegistryOf(env: Env): DurableObjectStub<FleetRegistry> {
  return env.FLEET.getByName(FLEET_REGISTRY_NAME);
}
