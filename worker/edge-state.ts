import { type BackendProtocol, backends, type ImageBackend, isBackendProtocol } from '../backends/index.ts';
import { createDispatchSigner, type DispatchSigner, loadEdgeKeys } from './auth/index.ts';
import { RetryBudget } from './dispatch/retry-budget.ts';
import type { Env } from './env.ts';
import { FleetCache } from './fleet/fleet-cache.ts';
import { IsolateObservations } from './fleet/local-observations.ts';

/** Per-isolate state: survives across requests in one isolate, never shared between isolates. */
export interface EdgeState {
  readonly fleet: FleetCache;
  readonly observations: IsolateObservations;
  /** Failovers this isolate may still spend (about 10% of its requests). */
  readonly retryBudget: RetryBudget;
  /** Hedged copies of late requests this isolate may still send (about 5% of its requests). */
  readonly hedgeBudget: RetryBudget;
  /** Signs dispatch tokens, reusing each (pool, tenant) token while it has time left. */
  signer(): Promise<DispatchSigner>;
  /** One adapter instance per protocol; undefined for a protocol no adapter speaks. */
  backendFor(protocol: string): ImageBackend | undefined;
}

let state: EdgeState | null = null;

/** The isolate's state, created on first use (bindings are only known at request time). */
export function edgeState(env: Env): EdgeState {
  state ??= createEdgeState(env);
  return state;
}

function createEdgeState(env: Env): EdgeState {
  let signer: Promise<DispatchSigner> | null = null;
  const adapters = new Map<BackendProtocol, ImageBackend>();
  return {
    fleet: new FleetCache(() => env.FLEET.getByName('fleet').snapshot()),
    observations: new IsolateObservations(),
    retryBudget: new RetryBudget(),
    hedgeBudget: new RetryBudget({ ratio: 0.05, capacity: 5 }),
    signer() {
      signer ??= loadEdgeKeys(env.EDGE_SIGNING_KEY).then((keys) => createDispatchSigner(keys));
      return signer;
    },
    backendFor(protocol) {
      if (!isBackendProtocol(protocol)) return undefined;
      let adapter = adapters.get(protocol);
      if (!adapter) {
        adapter = backends[protocol]();
        adapters.set(protocol, adapter);
      }
      return adapter;
    },
  };
}
