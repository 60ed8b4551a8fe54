import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { verifyHeartbeat } from '../auth/index.ts';
import { access } from '../middleware/access.ts';
import { limitBody } from '../middleware/body-limit.ts';
import { emptyResponse, errorResponses, routeGroup, schemas } from '../openapi/index.ts';
import { fleetRegistryOf } from './fleet-registry-stub.ts';

/** Heartbeat tokens are small; anything larger is refused before it is parsed. */
const MAX_HEARTBEAT_BYTES = 16 * 1024;

const pushPoolTelemetry = createRoute({
  method: 'post',
  path: '/v1/pools/{id}/telemetry',
  operationId: 'pushPoolTelemetry',
  tags: ['Pools'],
  summary: 'A pool’s signed telemetry heartbeat',
  description:
    'The body is a JWT (`typ: spillway-heartbeat+jwt`) signed with the key registered for this pool, whose ' +
    '`telemetry` claim is a TelemetryReport. The signature is the credential.',
  ...access('pool'),
  // The size is enforced while the body streams in, before anything else reads it.
  middleware: [limitBody(MAX_HEARTBEAT_BYTES)],
  request: {
    params: z.object({ id: z.string().describe('The pool id.') }),
    body: {
      required: true,
      description: 'The heartbeat token.',
      content: { 'application/jwt': { schema: { type: 'string' } } },
    },
  },
  responses: {
    204: emptyResponse('Accepted.'),
    ...errorResponses('pool', ['payload_too_large', 'invalid_credentials']),
  },
});

/**
 * `POST /v1/pools/:id/telemetry`: a pool's signed heartbeat (`application/jwt`). Accepted only
 * when signed by the key registered for that pool id and issued for it.
 */
export const telemetryRoutes = routeGroup<AppEnv>().openapi(pushPoolTelemetry, async (context) => {
  const { id: poolId } = context.req.valid('param');
  const token = (await context.req.text()).trim();
  const registry = fleetRegistryOf(context.env);
  const pool = await registry.getPool(poolId);
  // An unknown pool is answered exactly like a bad signature, so pool ids cannot be enumerated.
  // A pool of a protocol that pushes nothing has no key: its heartbeats are refused like a stranger's.
  const verdict = pool?.public_key ? await verifyHeartbeat(token, poolId, pool.public_key) : null;
  if (!verdict?.ok) {
    // A registered pool failing its signature is an operator's problem; an unknown id is only noise
    // (a pool heartbeats before it is registered, and anyone can send any id), so it is not logged.
    if (verdict) {
      const line = { level: 'warn', msg: 'heartbeat refused', pool_id: poolId, reason: verdict.reason };
      console.warn(JSON.stringify(line));
    }
    throw refused();
  }
  const stored = await registry.recordTelemetry(poolId, verdict.claims.telemetry, context.var.deps.now());
  if (!stored.ok) throw refused();
  return context.body(null, 204);
});

// The heartbeat's `telemetry` claim, which the description above names.
telemetryRoutes.openAPIRegistry.register('TelemetryReport', schemas.telemetryReport);

function refused(): ApiError {
  return new ApiError('invalid_credentials', 'the heartbeat was refused');
}
