import type { z } from 'zod';
import { type BackendProtocol, backends, type ImageBackend, isBackendProtocol } from '../backends/index.ts';
import { parseJsonBody } from '../shared/index.ts';
import { SlotTurns } from './admission/slot-turns.ts';
import { TenantAdmission } from './admission/tenant-admission.ts';
import {
  type Authenticator,
  createDispatchSigner,
  DirectoryAuthenticator,
  type DispatchSigner,
  type EdgeKeys,
  loadEdgeKeys,
} from './auth/index.ts';
import { ProviderCredentials } from './auth/provider-credentials.ts';
import type { EdgeConfig } from './config.ts';
import { RetryBudget } from './dispatch/retry-budget.ts';
import type { DispatchServices } from './dispatch/route-and-dispatch.ts';
import { TieGate } from './dispatch/tie-gate.ts';
import { FleetCache } from './fleet/fleet-cache.ts';
import { fleetLoaderOf } from './fleet/fleet-loader.ts';
import { fleetRegistryOf } from './fleet/fleet-registry-stub.ts';
import { IsolateObservations } from './fleet/local-observations.ts';
import { checkOutboundUrl, describeRefusal } from './net/index.ts';
import { EdgeObservability } from './observability/edge-observability.ts';
import { statsAggregatorOf } from './observability/stats-aggregator-stub.ts';
import { StatsRecorder } from './observability/stats-recorder.ts';
import { tenantDirectoryOf } from './tenants/tenant-directory-stub.ts';

/** Share of requests that may become hedged copies of late calls. */
const HEDGE_RATIO = 0.05;
/** Most hedges a burst of late calls may take at once. */
const HEDGE_CAPACITY = 5;

/** Parses a request body's text against a route's schema (`parseJsonBody` from `shared/`). */
export type JsonBodyParser = <Schema extends z.ZodType>(
  contentType: string | undefined,
  text: string,
  schema: Schema,
  prepare?: (body: unknown) => unknown,
) => z.infer<Schema>;

/**
 * Everything the edge's routes and queue consumer work with, built once per isolate by the
 * composition root ({@link createEdgeDeps}) and handed to `createApp(deps)`. Lives across requests
 * in one isolate, never shared between isolates. Tests and benches build their own variants.
 */
export interface EdgeDeps extends DispatchServices {
  /** Every var and secret, parsed once. */
  readonly config: EdgeConfig;
  /** Resolves callers, with this isolate's credential caches. */
  readonly authenticator: Authenticator;
  /** Parses and validates JSON request bodies against the routes' schemas. */
  readonly parseJson: JsonBodyParser;
  /** The edge's signing keys (operator tokens, dispatch tokens). */
  edgeKeys(): Promise<EdgeKeys>;
  /** Per-tenant limits: the isolate's first line, then each tenant's limiter. */
  readonly admission: TenantAdmission;
  /** Request log lines, Analytics Engine data points and the stats the operator endpoints serve. */
  readonly observability: EdgeObservability;
}

/**
 * Builds the isolate's collaborators from its bindings and parsed config.
 *
 * @example
 * const deps = createEdgeDeps(env, parseEdgeConfig(env));
 * const app = createApp(deps);
 */
export function createEdgeDeps(env: Env, config: EdgeConfig, now: () => number = Date.now): EdgeDeps {
  let signer: Promise<DispatchSigner> | null = null;
  const edgeKeys = () => loadEdgeKeys(config.edgeSigningKey, config.previousEdgeSigningKey);
  const adapters = new Map<BackendProtocol, ImageBackend>();
  const observations = new IsolateObservations();
  // Provider output files are fetched under the same outbound policy as pool URLs (SSRF).
  const refuseOutputUrl = (url: string): string | null => {
    const check = checkOutboundUrl(url, { allowPrivate: config.allowPrivatePoolUrls, requireHttps: false });
    return check.ok ? null : describeRefusal(check.refusal);
  };
  const credentials = new ProviderCredentials(config.credentialsKeys, (name) => Reflect.get(env, name));
  const dispatchSigner = () => {
    signer ??= edgeKeys().then((keys) => createDispatchSigner(keys, now));
    return signer;
  };
  return {
    config,
    now,
    random: Math.random,
    // Each snapshot read carries the isolate's outcome summary: the registry's reports on pools
    // that push no telemetry are made of them, at no extra round trip.
    fleet: new FleetCache(
      fleetLoaderOf(env, now, {
        summary: () => observations.takeSummary(now()),
        routedPools: () => observations.lastSentAt,
      }),
      now,
    ),
    observations,
    admission: new TenantAdmission({
      limiterFor: (tenantId) => env.LIMITS.getByName(`tenant:${tenantId}`),
      tierLimits: config.admission.tierLimits,
      now,
    }),
    observability: new EdgeObservability(
      new StatsRecorder({ send: (delta) => statsAggregatorOf(env).record(delta), now }),
      env.REQUEST_METRICS,
      config.logLevel,
    ),
    retryBudget: new RetryBudget(),
    turns: new SlotTurns(now),
    ties: new TieGate(),
    hedgeBudget: new RetryBudget({ ratio: HEDGE_RATIO, capacity: HEDGE_CAPACITY }),
    authenticator: new DirectoryAuthenticator({ edgeKeys, tenants: () => tenantDirectoryOf(env), now }),
    parseJson: parseJsonBody,
    edgeKeys,
    signer: dispatchSigner,
    async credentialFor(entry, tenantId) {
      if (entry.provider.protocol === 'gpu-node') return (await dispatchSigner())(entry.pool.id, tenantId);
      return credentials.credentialFor({
        providerId: entry.provider.id,
        sealed: entry.provider_credential ?? null,
        secretName: entry.provider.credentials_ref,
      });
    },
    backendFor(protocol) {
      if (!isBackendProtocol(protocol)) return undefined;
      let adapter = adapters.get(protocol);
      if (!adapter) {
        adapter = protocol === 'gpu-node' ? backends[protocol]() : backends[protocol]({ refuseOutputUrl });
        adapters.set(protocol, adapter);
      }
      return adapter;
    },
    // Best effort: a registry that cannot be reached leaves the isolate's own ejection in place.
    reportSuspect: (poolId, reason) =>
      fleetRegistryOf(env)
        .reportSuspect(poolId, reason)
        .then(
          () => undefined,
          () => undefined,
        ),
    reportBackoff: (poolId, until) =>
      fleetRegistryOf(env)
        .reportBackoff(poolId, until)
        .then(
          () => undefined,
          () => undefined,
        ),
  };
}
