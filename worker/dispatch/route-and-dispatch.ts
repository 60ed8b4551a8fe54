import type { BackendProgress } from '../../backends/index.ts';
import type { GenerationRequest, Priority, Tier } from '../../shared/index.ts';
import { edgeState } from '../edge-state.ts';
import type { Env } from '../env.ts';
import { fleetIndexOf, poolViewsOf, snapshotEntry } from '../fleet/pool-views.ts';
import type { TenantRecord } from '../objects/fleet-records.ts';
import { hedgeDelayMs, pickPools, type RoutingPolicy } from '../routing/index.ts';
import type { AttemptRecord, DispatchCandidate, DispatchResult } from './dispatch-types.ts';
import { dispatchWithFailover } from './dispatcher.ts';

const TIER_PRIORITY: Record<Tier, Priority> = { free: 'low', paid: 'normal', enterprise: 'high' };
const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2 };

/** What routing needs to know about the tenant a request is for. */
export type RoutingTenant = Pick<TenantRecord, 'id' | 'tier' | 'allowed_providers' | 'allowed_regions'>;

/** Inputs of {@link routeAndDispatch}. */
export interface RouteAndDispatchInput {
  readonly env: Env;
  readonly tenant: RoutingTenant;
  /** Already normalised by {@link tenantRequest}. */
  readonly request: GenerationRequest;
  /** Idempotency key towards the pools: a repeated id joins the same job on the same pool. */
  readonly jobId: string;
  /** Epoch ms after which no pool is called. */
  readonly deadlineAt: number;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly signal?: AbortSignal;
  /** Called as a pool is called (the job object records where its job runs). */
  readonly onStart?: (candidate: DispatchCandidate) => void;
  /** Queue position and step progress of the pool call in flight (adapters that report them). */
  readonly onProgress?: (progress: BackendProgress) => void;
}

/** The dispatch result, plus the two reasons routing itself can refuse before any pool call. */
export type RouteAndDispatchResult =
  | DispatchResult
  | { readonly ok: false; readonly error: 'model_not_found'; readonly attempts: readonly AttemptRecord[] };

/**
 * The tenant's view of a request: the default model filled in, and the priority capped at the
 * tenant's tier (a client may lower its priority, never raise it).
 */
export function tenantRequest(
  request: GenerationRequest,
  tenant: RoutingTenant,
  defaultModel: string,
): GenerationRequest {
  const allowed = TIER_PRIORITY[tenant.tier];
  return {
    ...request,
    model: request.model ?? defaultModel,
    priority: PRIORITY_RANK[request.priority] <= PRIORITY_RANK[allowed] ? request.priority : allowed,
  };
}

/**
 * Routes one request and sends it with failover: reads the isolate's fleet snapshot, ranks the
 * eligible pools, then calls them in order through `dispatchWithFailover`, feeding outcomes back
 * into the isolate's observations (outlier ejection, piggybacked load, in-flight counts).
 * Shared by the sync endpoint and the async job consumer.
 *
 * @example
 * const outcome = await routeAndDispatch({ env, tenant, request, jobId, deadlineAt, waitUntil });
 * if (!outcome.ok) return failureToApiError(outcome.error);
 */
export async function routeAndDispatch(input: RouteAndDispatchInput): Promise<RouteAndDispatchResult> {
  const { env, tenant, request } = input;
  const state = edgeState(env);
  const snapshot = await state.fleet.get(input.waitUntil);
  const model = request.model ?? '';
  const now = Date.now();
  const policy: RoutingPolicy = {
    telemetryTtlMs: Number(env.TELEMETRY_TTL_MS ?? 5_000),
    defaultJobMs: 1_000,
  };
  // At most as many candidates as the dispatcher will call (3 attempts).
  const ranked = pickPools(fleetIndexOf(snapshot, model, policy), {
    request: {
      model,
      images: request.n,
      allowedProviders: tenant.allowed_providers,
      allowedRegions: tenant.allowed_regions,
    },
    observations: state.observations,
    policy,
    now,
    random: Math.random,
  });
  if (ranked.length === 0 && !poolViewsOf(snapshot).some((pool) => pool.models.includes(model))) {
    return { ok: false, error: 'model_not_found', attempts: [] };
  }
  const candidates = ranked.flatMap(({ pool, predictedMs }): DispatchCandidate[] => {
    const entry = snapshotEntry(snapshot, pool.poolId);
    if (!entry) return [];
    const { url } = entry.pool;
    return [
      {
        poolId: pool.poolId,
        providerId: pool.providerId,
        url,
        protocol: entry.provider.protocol,
        predictedMs,
      },
    ];
  });
  const signer = await state.signer();
  state.retryBudget.earn();
  state.hedgeBudget.earn();
  const ends = new Map<string, () => void>();
  try {
    return await dispatchWithFailover({
      candidates,
      request,
      jobId: input.jobId,
      deadlineAt: input.deadlineAt,
      backendFor: (protocol) => {
        const backend = state.backendFor(protocol);
        if (!backend) throw new Error(`no adapter for protocol ${protocol}`);
        return backend;
      },
      tokenFor: (poolId) => signer(poolId, tenant.id),
      now: Date.now,
      onAttempt: (attempt) => {
        // Outlier ejection: a pool that refuses connections or fails with a 5xx sits out a while.
        if (attempt.outcome === 'connection_failed' || attempt.outcome === 'failed') {
          const alreadyEjected = (state.observations.ejectedUntil.get(attempt.poolId) ?? 0) > Date.now();
          state.observations.eject(attempt.poolId, Date.now());
          // A refused connection (a dead pool) also goes to the registry, once per ejection
          // window, so every isolate skips the pool from its next snapshot on. A 5xx does not:
          // an idle pool's figures never move, so one bad answer would bench it for 30 s.
          if (attempt.outcome === 'connection_failed' && !alreadyEjected) {
            input.waitUntil(reportSuspect(env, attempt.poolId));
          }
        }
        // Far past its prediction and beaten by a whole job elsewhere: slowed or stalled.
        if (attempt.outcome === 'hedge_lost') state.observations.eject(attempt.poolId, Date.now());
        if (attempt.load) state.observations.observeLoad(attempt.poolId, attempt.load, Date.now());
        ends.get(attempt.poolId)?.();
      },
      onStart: (poolId, candidate) => {
        ends.set(poolId, state.observations.begin(poolId));
        input.onStart?.(candidate);
      },
      // Failovers share the isolate's budget (~10% of requests), so a provider-wide outage
      // cannot triple the traffic the remaining pools see.
      allowRetry: () => state.retryBudget.spend(),
      // A call far past its prediction (a stalled or slowed pool) gets a copy on the next pool,
      // within ~5% extra requests; the loser is cancelled (docs/routing.md).
      hedge: {
        afterMs: (candidate) =>
          candidate.predictedMs === undefined ? null : hedgeDelayMs(candidate.predictedMs),
        allow: () => state.hedgeBudget.spend(),
      },
      waitUntil: input.waitUntil,
      // Streamed (job) calls: a pool that stops reporting steps mid-job gets a copy elsewhere at once.
      ...(input.onProgress ? { onProgress: input.onProgress } : {}),
      ...(input.signal ? { signal: input.signal } : {}),
    });
  } finally {
    for (const end of ends.values()) end();
  }
}

/** Best effort: a registry that cannot be reached leaves the isolate's own ejection in place. */
function reportSuspect(env: Env, poolId: string): Promise<unknown> {
  return env.FLEET.getByName('fleet')
    .reportSuspect(poolId)
    .catch(() => undefined);
}
