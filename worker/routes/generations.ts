import { Hono } from 'hono';
import {
  ApiError,
  type GenerationRequest,
  generationRequestSchema,
  type Priority,
  type Tier,
} from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { dispatchWithFailover } from '../dispatch/dispatcher.ts';
import { edgeState } from '../edge-state.ts';
import { toPoolViews } from '../fleet/pool-views.ts';
import { requireTenant } from '../middleware/authenticate.ts';
import { readJsonBody } from '../middleware/read-json-body.ts';
import { rankPools } from '../routing/index.ts';
import { failureToApiError } from './dispatch-errors.ts';

/** Time budget of a request that does not set `deadline_ms`. */
const DEFAULT_DEADLINE_MS = 60_000;
const TIER_PRIORITY: Record<Tier, Priority> = { free: 'low', paid: 'normal', enterprise: 'high' };
const PRIORITY_RANK: Record<Priority, number> = { low: 0, normal: 1, high: 2 };

/** `POST /v1/images/generations`: the OpenAI Images endpoint, routed to the pool that finishes soonest. */
export const generationRoutes = new Hono<AppEnv>().post(
  '/v1/images/generations',
  requireTenant,
  async (context) => {
    const principal = context.get('principal');
    if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
    const parsed = await readJsonBody(context, generationRequestSchema);
    if (parsed.response_format === 'url') {
      throw new ApiError(
        'unsupported_value',
        'response_format "url" arrives with async jobs; use "b64_json"',
        {
          param: 'response_format',
        },
      );
    }
    const { tenant } = principal;
    const request: GenerationRequest = {
      ...parsed,
      model: parsed.model ?? context.env.DEFAULT_MODEL ?? 'spillway-tiny',
      // A client may lower its priority, never raise it above its tier's.
      priority: lowerOf(parsed.priority, TIER_PRIORITY[tenant.tier]),
    };
    const startedAt = Date.now();
    const deadlineAt = startedAt + (request.deadline_ms ?? DEFAULT_DEADLINE_MS);
    const state = edgeState(context.env);
    const snapshot = await state.fleet.get((promise) => context.executionCtx.waitUntil(promise));
    const pools = toPoolViews(snapshot);
    const model = request.model ?? '';
    const ranked = rankPools({
      pools,
      request: {
        model,
        images: request.n,
        allowedProviders: tenant.allowed_providers,
        allowedRegions: tenant.allowed_regions,
      },
      observations: state.observations,
      policy: { telemetryTtlMs: Number(context.env.TELEMETRY_TTL_MS ?? 5_000), defaultJobMs: 1_000 },
      now: startedAt,
      random: Math.random,
    });
    if (ranked.length === 0) {
      if (!pools.some((pool) => pool.models.includes(model))) {
        throw new ApiError('model_not_found', `no pool serves model ${model}`, { param: 'model' });
      }
      throw new ApiError('no_capacity', 'no pool can take this request right now', {
        headers: { 'retry-after': '2' },
      });
    }
    const signer = await state.signer();
    const ends = new Map<string, () => void>();
    const outcome = await dispatchWithFailover({
      candidates: ranked.map(({ pool }) => ({
        poolId: pool.poolId,
        providerId: pool.providerId,
        url: snapshot.pools.find((entry) => entry.pool.id === pool.poolId)?.pool.url ?? '',
        protocol: 'gpu-node',
      })),
      request,
      jobId: `edge-${context.get('requestId')}`,
      deadlineAt,
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
          state.observations.eject(attempt.poolId, Date.now());
        }
        if (attempt.load) state.observations.observeLoad(attempt.poolId, attempt.load, Date.now());
        ends.get(attempt.poolId)?.();
      },
      onStart: (poolId) => ends.set(poolId, state.observations.begin(poolId)),
    });
    for (const end of ends.values()) end();
    if (!outcome.ok) throw failureToApiError(outcome.error);
    context.header('x-spillway-pool', outcome.poolId);
    context.header('x-spillway-provider', outcome.providerId);
    const { spillway: _details, ...openAi } = outcome.result.response;
    return context.json({ ...openAi, created: Math.floor(startedAt / 1000) });
  },
);

function lowerOf(requested: Priority, allowed: Priority): Priority {
  return PRIORITY_RANK[requested] <= PRIORITY_RANK[allowed] ? requested : allowed;
}
