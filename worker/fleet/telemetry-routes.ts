import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { verifyHeartbeat } from '../auth/index.ts';
import { access } from '../middleware/access.ts';
import { limitBody } from '../middleware/body-limit.ts';
import { emptyResponse, errorResponses, routeGroup, schemas } from '../openapi/index.ts';
import { heldRegionReadAt } from './fleet-delta.ts';
import type { PoolSnapshotEntry } from './fleet-records.ts';
import { fleetRegistryOf } from './fleet-registry-stub.ts';
import type { RecordTelemetryResult } from './fleet-results.ts';

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
    // 409 `resource_conflict`: the report is dated before the pool's last accepted one (its clock went back).
    ...errorResponses('pool', ['payload_too_large', 'invalid_credentials', 'resource_conflict']),
  },
});

/**
 * `POST /v1/pools/:id/telemetry`: a pool's signed heartbeat (`application/jwt`). Accepted only
 * when signed by the key registered for that pool id and issued for it.
 */
export const telemetryRoutes = routeGroup<AppEnv>().openapi(pushPoolTelemetry, async (context) => {
  const { id: poolId } = context.req.valid('param');
  const token = (await context.req.text()).trim();
  const fleet = fleetRegistryOf(context.env);
  // The isolate's snapshot knows the pool's region and key: the heartbeat costs its shard one call
  // and the directory none (docs/scaling.md).
  const { fleet: snapshots, config } = context.var.deps;
  snapshots.warm((promise) => keepAlive(context, promise));
  const held = snapshots.entry(poolId);
  const known = held?.pool;
  const receivedAt = context.var.deps.now();
  // Once stored, a heartbeat that makes the pool routable where this isolate's snapshot could not
  // route it refreshes that snapshot at once: the pool serves from its first report, not from the
  // isolate's next refresh (up to a second later, the first burst after a start already sent).
  const heldSince = known && heldRegionReadAt(snapshots.current(), known.region);
  const joins = joinsSnapshotView(held, receivedAt, config.routing.telemetryTtlMs, heldSince);
  const accepted = () => {
    if (joins)
      keepAlive(
        context,
        snapshots.refresh().catch(() => undefined),
      );
    return context.body(null, 204);
  };
  if (known?.public_key) {
    const verdict = await verifyHeartbeat(token, poolId, known.public_key);
    if (verdict.ok) {
      const key = JSON.stringify(known.public_key);
      const stored = await fleet
        .shard(known.region)
        .recordTelemetry(poolId, verdict.claims.telemetry, receivedAt, key);
      if (stored.ok) return accepted();
      if (stored.reason === 'pool_mismatch' || stored.reason === 'report_behind')
        throw refusalOf(stored, poolId, verdict.claims.telemetry.timestamp);
    }
  }
  // A pool newer than the snapshot, moved, removed, or with another key since: ask the directory.
  const region = await fleet.directory.regionOf(poolId);
  const shard = region === null ? null : fleet.shard(region);
  const pool = shard && (await shard.getPool(poolId));
  // An unknown pool is answered exactly like a bad signature, so pool ids cannot be enumerated.
  // A pool of a protocol that pushes nothing has no key: its heartbeats are refused like a stranger's.
  const verdict = pool?.public_key ? await verifyHeartbeat(token, poolId, pool.public_key) : null;
  if (!verdict?.ok || !shard) {
    // A registered pool failing its signature is an operator's problem; an unknown id is only noise
    // (a pool heartbeats before it is registered, and anyone can send any id), so it is not logged.
    if (verdict && !verdict.ok) {
      const line = { level: 'warn', msg: 'heartbeat refused', pool_id: poolId, reason: verdict.reason };
      console.warn(JSON.stringify(line));
    }
    throw refused();
  }
  const stored = await shard.recordTelemetry(poolId, verdict.claims.telemetry, receivedAt);
  if (!stored.ok) throw refusalOf(stored, poolId, verdict.claims.telemetry.timestamp);
  return accepted();
});

// The heartbeat's `telemetry` claim, which the description above names.
telemetryRoutes.openAPIRegistry.register('TelemetryReport', schemas.telemetryReport);

/**
 * Whether the isolate's snapshot entry for a pool (absent: a pool newer than the snapshot) shows
 * no heartbeat that routing would still take at `receivedAt`: none yet, or one older than the
 * telemetry TTL, judged as of the shard's read where the snapshot kept the pool's region from an
 * earlier read (`heldSince`, `FleetSnapshot.held_regions`). A heartbeat accepted then brings the
 * pool (back) into routing.
 *
 * @example
 * joinsSnapshotView(undefined, Date.now(), 3_000); // true
 */
export function joinsSnapshotView(
  entry: Pick<PoolSnapshotEntry, 'received_at'> | undefined,
  receivedAt: number,
  telemetryTtlMs: number,
  heldSince?: number,
): boolean {
  const lastReceivedAt = entry?.received_at ?? null;
  const judgedAt = heldSince === undefined ? receivedAt : Math.min(receivedAt, heldSince);
  return lastReceivedAt === null || judgedAt - lastReceivedAt > telemetryTtlMs;
}

function refused(): ApiError {
  return new ApiError('invalid_credentials', 'the heartbeat was refused');
}

/**
 * The answer to a signed heartbeat the registry did not keep. One dated before the pool's last
 * accepted report is said to the pool and logged: otherwise a pool whose clock stepped back goes
 * stale with every heartbeat answered 204 until its clock catches up (a year, for some).
 */
function refusalOf(
  stored: Extract<RecordTelemetryResult, { ok: false }>,
  poolId: string,
  timestamp: number,
): ApiError {
  if (stored.reason !== 'report_behind') return refused();
  const latest = stored.latest_timestamp;
  const line = {
    level: 'warn',
    msg: 'heartbeat refused',
    pool_id: poolId,
    reason: 'report_behind',
    timestamp,
    last_accepted_timestamp: latest,
  };
  console.warn(JSON.stringify(line));
  return new ApiError(
    'resource_conflict',
    `the report's timestamp ${timestamp} is ${latest - timestamp} ms before the pool's last accepted ` +
      `one, ${latest} (epoch ms): the pool's clock went back; its heartbeats are refused until its ` +
      'clock passes that time',
    { param: 'telemetry.timestamp' },
  );
}

/**
 * Keeps a background refresh alive past the response where the runtime gives an execution
 * context; without one (the app called directly, as tests do) it simply runs.
 */
function keepAlive(context: Context<AppEnv>, promise: Promise<unknown>): void {
  try {
    context.executionCtx.waitUntil(promise);
  } catch {
    // No ExecutionContext: nothing to extend; the promise handles its own failure.
  }
}
