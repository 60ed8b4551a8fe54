import type { Env } from './env.ts';
import { FleetCache } from './fleet/fleet-cache.ts';
import { IsolateObservations } from './fleet/local-observations.ts';

/** Per-isolate state: survives across requests in one isolate, never shared between isolates. */
export interface EdgeState {
  readonly fleet: FleetCache;
  readonly observations: IsolateObservations;
}

let state: EdgeState | null = null;

/** The isolate's state, created on first use (bindings are only known at request time). */
export function edgeState(env: Env): EdgeState {
  state ??= {
    fleet: new FleetCache(() => env.FLEET.getByName('fleet').snapshot()),
    observations: new IsolateObservations(),
  };
  return state;
}
