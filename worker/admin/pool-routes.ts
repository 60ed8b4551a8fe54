import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { ApiError, type ProviderProtocol } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { publicOriginOf } from '../config.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import {
  bodyErrors,
  emptyResponse,
  errorResponses,
  jsonBody,
  jsonResponse,
  routeGroup,
  schemas,
} from '../openapi/index.ts';
import { adminOperation, idParam, notFound, recordOrNotFound } from './admin-operation.ts';
import { poolHealthOf } from './pool-health.ts';
import {
  livenessCredential,
  livenessRefusal,
  livenessStatus,
  poolBaseProblem,
  poolUrlProblem,
} from './pool-url.ts';

const poolId = idParam('Pool id.');
const poolOrNotFound = recordOrNotFound(schemas.poolRecord, 'The pool.');

const listPools = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/pools',
  operationId: 'listPools',
  summary: 'List pools with the telemetry routing sees and their health',
  responses: { 200: jsonResponse(schemas.poolList, 'Pools.'), ...errorResponses('operator', []) },
});

const putPool = createRoute({
  ...adminOperation,
  method: 'post',
  path: '/v1/admin/pools',
  operationId: 'putPool',
  summary: 'Register or replace a pool',
  description:
    'The URL is checked against SSRF rules; gpu-node and kserve pools must answer `GET /v2/health/live`. ' +
    '`public_key` is required for gpu-node pools and refused for others. A pool keeps its provider: ' +
    'another `provider_id` for an existing id is 409 (remove the pool first).',
  request: { body: jsonBody(schemas.poolInput) },
  responses: {
    201: jsonResponse(schemas.poolRecord, 'The pool.'),
    ...errorResponses('operator', [...bodyErrors, 'pool_unreachable', 'resource_conflict']),
  },
});

const deletePool = createRoute({
  ...adminOperation,
  method: 'delete',
  path: '/v1/admin/pools/{id}',
  operationId: 'deletePool',
  summary: 'Remove a pool',
  request: { params: poolId },
  responses: { 204: emptyResponse('Removed.'), ...errorResponses('operator', ['not_found']) },
});

const drainPool = createRoute({
  ...adminOperation,
  method: 'post',
  path: '/v1/admin/pools/{id}/drain',
  operationId: 'drainPool',
  summary: 'Stop sending new work to a pool',
  request: { params: poolId },
  responses: poolOrNotFound,
});

const undrainPool = createRoute({
  ...adminOperation,
  method: 'delete',
  path: '/v1/admin/pools/{id}/drain',
  operationId: 'undrainPool',
  summary: 'Send work to a drained pool again',
  request: { params: poolId },
  responses: poolOrNotFound,
});

/** Operator API: the GPU pools routing sends work to, and their drain switch. */
export const poolRoutes = routeGroup<AppEnv>();

poolRoutes.openapi(listPools, async (context) => {
  const snapshot = await fleetRegistryOf(context.env).snapshot();
  const { deps } = context.var;
  const health = {
    now: deps.now(),
    telemetryTtlMs: deps.config.routing.telemetryTtlMs,
    ejectedUntil: deps.observations.ejectedUntil,
    refusedAt: deps.observations.refusedAt,
  };
  // Operators see each pool with the telemetry routing sees, when it arrived, and the verdict.
  const data = snapshot.pools.map((entry) => ({
    ...entry.pool,
    telemetry: entry.telemetry,
    telemetry_received_at: entry.received_at,
    health: poolHealthOf(entry, health),
  }));
  return context.json({ data }, 200);
});

openapiWithJsonBody(poolRoutes, putPool, async (context) => {
  const input = context.req.valid('json');
  const { allowPrivatePoolUrls } = context.var.deps.config;
  const problem = poolUrlProblem(input.url, allowPrivatePoolUrls);
  if (problem)
    throw new ApiError('invalid_request', `pool url refused: ${problem.replace('_', ' ')}`, { param: 'url' });
  const baseProblem = poolBaseProblem(input.url, publicOriginOf(context.var.deps.config, context.req.url));
  if (baseProblem)
    throw new ApiError('invalid_request', `pool url refused: ${baseProblem}`, { param: 'url' });
  const metricsUrl = input.upstream?.metrics_url;
  const metricsProblem = metricsUrl === undefined ? null : poolUrlProblem(metricsUrl, allowPrivatePoolUrls);
  if (metricsProblem) {
    throw new ApiError('invalid_request', `metrics url refused: ${metricsProblem.replace('_', ' ')}`, {
      param: 'upstream.metrics_url',
    });
  }
  const registry = fleetRegistryOf(context.env);
  const provider = await registry.directory.storedProvider(input.provider_id);
  if (!provider)
    throw new ApiError('invalid_request', `unknown provider ${input.provider_id}`, { param: 'provider_id' });
  // Another provider would send its own credential, in its own protocol, to this pool's URL: a
  // move is a removal and a new registration, said out loud, as a provider's protocol change is.
  const existing = await registry.getPool(input.id);
  if (existing && existing.provider_id !== input.provider_id) {
    throw new ApiError(
      'resource_conflict',
      `pool ${input.id} belongs to provider ${existing.provider_id}: remove it (DELETE /v1/admin/pools/${input.id}) to register it under another`,
      { param: 'provider_id' },
    );
  }
  // Servers that speak the v2 health protocol prove the URL now; a cloud API (OpenAI, Replicate,
  // fal) is judged by its first calls and, where it has one, its probe.
  if (answersLiveness(provider.protocol)) {
    const { credentialsKeys } = context.var.deps.config;
    const credential = await livenessCredential(context.env, credentialsKeys, provider);
    const refusal = livenessRefusal(await livenessStatus(input.url, credential), credential !== '');
    if (refusal) throw refusal;
  }
  const result = await registry.putPool(input);
  if (!result.ok) throw poolRefusal(result.reason, provider.protocol);
  await context.var.deps.fleet.refresh();
  return context.json(result.pool, 201);
});

function answersLiveness(protocol: ProviderProtocol): boolean {
  return protocol === 'gpu-node' || protocol === 'kserve';
}

function poolRefusal(
  reason: 'unknown_provider' | 'public_key_required' | 'public_key_unexpected',
  protocol: ProviderProtocol,
): ApiError {
  switch (reason) {
    case 'unknown_provider':
      return new ApiError('invalid_request', 'the provider was removed meanwhile', { param: 'provider_id' });
    case 'public_key_required':
      return new ApiError('invalid_request', 'a gpu-node pool needs its heartbeat public_key', {
        param: 'public_key',
      });
    case 'public_key_unexpected':
      return new ApiError(
        'invalid_request',
        `a ${protocol} pool pushes no heartbeats: leave public_key out`,
        {
          param: 'public_key',
        },
      );
  }
}

poolRoutes.openapi(deletePool, async (context) => {
  const result = await fleetRegistryOf(context.env).deletePool(context.req.valid('param').id);
  if (!result.ok) throw notFound('pool');
  await context.var.deps.fleet.refresh();
  return context.body(null, 204);
});

poolRoutes.openapi(drainPool, async (context) =>
  context.json(await setDraining(context, context.req.valid('param').id, true), 200),
);

poolRoutes.openapi(undrainPool, async (context) =>
  context.json(await setDraining(context, context.req.valid('param').id, false), 200),
);

async function setDraining(context: Context<AppEnv>, id: string, draining: boolean) {
  const result = await fleetRegistryOf(context.env).setDraining(id, draining);
  if (!result.ok) throw notFound('pool');
  await context.var.deps.fleet.refresh();
  return result.pool;
}
