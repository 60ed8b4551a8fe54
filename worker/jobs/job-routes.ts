import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { ApiError, edgeJobIdSchema } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { publicOriginOf } from '../config.ts';
import { upstreamOf } from '../dispatch/pool-upstream.ts';
import { tenantRequest } from '../dispatch/tenant-request.ts';
import { snapshotEntry } from '../fleet/pool-views.ts';
import { access } from '../middleware/access.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import {
  bodyErrors,
  errorResponses,
  jsonBody,
  jsonResponse,
  mediaResponse,
  routeGroup,
  schemas,
} from '../openapi/index.ts';
import { streamJobEvents } from './job-events.ts';
import type { JobRecord, JobViewer } from './job-record.ts';
import { checkWebhookUrl, jobIdFor, randomSeed, submissionFingerprint } from './job-submission.ts';
import { toJobResource } from './job-view.ts';
import { preferredWaitSeconds } from './prefer-wait.ts';
import { waitingRoomFor } from './waiting-room-stub.ts';

const tenantOnly = { tags: ['Jobs'], ...access('tenant') };
// Any string: a malformed id names no job, and is answered like a missing one (404).
const jobIdParam = z.object({ id: z.string().describe('The job id (`job_…`).') });
const jobErrors = errorResponses('tenant', ['job_not_found']);

const createJob = createRoute({
  ...tenantOnly,
  method: 'post',
  path: '/v1/jobs',
  operationId: 'createJob',
  summary: 'Submit an async generation job',
  description:
    'Answers 202 at once. Follow the job with `GET /v1/jobs/{id}` (long-poll), its SSE events, or a ' +
    '`webhook` (signed with the tenant webhook secret, Standard Webhooks headers).',
  // Read by the handler (job-submission.ts), which also refuses a malformed key, after the body.
  parameters: [
    {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Any unique string (a UUID). The same key with the same body returns the original job and never ' +
        'dispatches twice; the same key with another body is 422 `idempotency_key_mismatch`.',
      schema: { type: 'string', maxLength: 255 },
    },
  ],
  request: { body: jsonBody(schemas.jobSubmitRequest) },
  responses: {
    202: jsonResponse(schemas.jobResource, 'The job, usually `queued`.', [
      'location',
      'idempotent-replayed',
      'ratelimit-policy',
      'ratelimit',
    ]),
    ...errorResponses('tenant', [
      ...bodyErrors,
      'unsupported_value',
      'idempotency_key_mismatch',
      'rate_limited',
      'no_capacity',
    ]),
  },
});

const getJob = createRoute({
  ...tenantOnly,
  method: 'get',
  path: '/v1/jobs/{id}',
  operationId: 'getJob',
  summary: 'Read a job; long-poll with `Prefer: wait=N`',
  // RFC 7240: a malformed preference is ignored, so the header is read leniently (prefer-wait.ts).
  parameters: [
    {
      name: 'Prefer',
      in: 'header',
      required: false,
      description: '`wait=N` (RFC 7240): hold the answer up to N seconds (at most 60) until the job ends.',
      schema: { type: 'string', pattern: '^wait=\\d+$' },
    },
  ],
  request: { params: jobIdParam },
  responses: {
    200: jsonResponse(schemas.jobResource, 'The job.', ['preference-applied']),
    ...jobErrors,
  },
});

const streamJobEventsRoute = createRoute({
  ...tenantOnly,
  method: 'get',
  path: '/v1/jobs/{id}/events',
  operationId: 'streamJobEvents',
  summary: 'Server-Sent Events of the job’s states',
  description:
    'Each event is named after the status, its `data` is the whole JobResource and its `id` the job ' +
    'version. `Last-Event-ID: N` resumes with the first version after N. The stream ends after a terminal ' +
    'status. Mobile apps: there is no EventSource on iOS/Android/React Native; long-poll instead.',
  parameters: [
    {
      name: 'Last-Event-ID',
      in: 'header',
      required: false,
      description: 'The last event id seen.',
      schema: { type: 'string', pattern: '^\\d+$' },
    },
  ],
  request: { params: jobIdParam },
  responses: {
    200: mediaResponse(
      'text/event-stream',
      {
        type: 'string',
        description: 'event: <status>, id: <version>, data: <JobResource JSON>; blank line between events',
      },
      'An event stream.',
    ),
    ...jobErrors,
  },
});

const cancelJob = createRoute({
  ...tenantOnly,
  method: 'delete',
  path: '/v1/jobs/{id}',
  operationId: 'cancelJob',
  summary: 'Cancel a job, queued or running',
  request: { params: jobIdParam },
  responses: {
    200: jsonResponse(schemas.jobResource, 'The job as cancellation left it (a finished job is unchanged).'),
    ...jobErrors,
  },
});

/**
 * The async jobs API: `POST /v1/jobs` (202 + the job; `Idempotency-Key`), `GET /v1/jobs/:id`
 * (long-poll with `Prefer: wait=N`), `GET /v1/jobs/:id/events` (SSE) and `DELETE /v1/jobs/:id`
 * (cancel). Tenants see only their own jobs: another tenant's id is 404 `job_not_found`,
 * exactly like an id that never existed.
 */
export const jobRoutes = routeGroup<AppEnv>();

openapiWithJsonBody(jobRoutes, createJob, async (context) => {
  const tenant = tenantOf(context);
  const submission = context.req.valid('json');
  const { config } = context.var.deps;
  const settings = config.jobs;
  const viewer = viewerOf(context);
  if (submission.webhook !== undefined) {
    // A webhook is signed with the tenant's secret: an app user must not choose where one goes.
    if (viewer.owner !== null) {
      throw new ApiError('insufficient_scope', 'webhooks are for the tenant’s servers (API keys)', {
        param: 'webhook',
      });
    }
    checkWebhookUrl(submission.webhook, settings.allowPrivateWebhooks);
  }
  const idempotencyKey = context.req.header('idempotency-key');
  // App users' Idempotency-Keys live in their own namespace: one user cannot replay another's.
  const idempotencyScope = viewer.owner === null ? tenant.id : `${tenant.id}/${viewer.owner}`;
  const id = await jobIdFor(config.edgeSigningKey, idempotencyScope, idempotencyKey);
  const { webhook, ...generation } = submission;
  const request = tenantRequest(generation, tenant, config.defaultModel);
  // Counted against the tenant's rates at submission; a job holds no concurrency slot (it waits).
  const admitted = await context.var.deps.admission.admit(tenant, request.n, null);
  context.var.observation.admission = admitted.source;
  for (const [name, value] of Object.entries(admitted.headers)) context.header(name, value);
  const now = context.var.deps.now();
  const created = await context.env.JOBS.getByName(id).create({
    id,
    tenant: {
      id: tenant.id,
      tier: tenant.tier,
      allowed_providers: tenant.allowed_providers,
      allowed_regions: tenant.allowed_regions,
    },
    owner: viewer.owner,
    fingerprint: await submissionFingerprint(submission),
    request: { ...request, seed: request.seed ?? randomSeed() },
    webhook: webhook ?? null,
    origin: publicOriginOf(config, context.req.url),
    deadlineAt: now + (request.deadline_ms ?? settings.defaultDeadlineMs),
    traceparent: context.var.observation.trace.traceparent,
  });
  if (created.kind === 'key_mismatch') {
    throw new ApiError(
      'idempotency_key_mismatch',
      'this Idempotency-Key was used with a different request body',
      {
        param: 'Idempotency-Key',
      },
    );
  }
  if (created.kind === 'replayed') context.header('idempotent-replayed', 'true');
  context.header('location', `/v1/jobs/${id}`);
  return context.json(await resource(context, created.record), 202);
});

jobRoutes.openapi(getJob, async (context) => {
  const job = jobStub(context, context.req.valid('param').id);
  const wait = preferredWaitSeconds(context.req.header('prefer'));
  const viewer = viewerOf(context);
  const record = wait === null ? await job.read(viewer) : await job.waitFor(viewer, 0, true, wait * 1000);
  if (record === null) throw notFound();
  if (wait !== null) context.header('preference-applied', `wait=${wait}`);
  return context.json(await resource(context, record), 200);
});

jobRoutes.openapi(streamJobEventsRoute, async (context) => {
  const job = jobStub(context, context.req.valid('param').id);
  const viewer = viewerOf(context);
  const record = await job.read(viewer);
  if (record === null) throw notFound();
  const lastEventId = Number.parseInt(context.req.header('last-event-id') ?? '0', 10);
  return streamJobEvents(context, {
    next: (afterVersion, timeoutMs) => job.waitFor(viewer, afterVersion, false, timeoutMs),
    view: (next) => resource(context, next),
    afterVersion: Number.isFinite(lastEventId) ? lastEventId : 0,
  });
});

jobRoutes.openapi(cancelJob, async (context) => {
  const job = jobStub(context, context.req.valid('param').id);
  const tenant = tenantOf(context);
  const canceled = await job.cancel(viewerOf(context));
  if (canceled === null) throw notFound();
  const pool = canceled.stopPool;
  if (pool !== null) {
    // The consumer's claim also stops (its renewal fails and it hangs up); asking the pool
    // directly frees its slots now rather than at the next renewal.
    const { deps } = context.var;
    const backend = deps.backendFor(pool.protocol);
    const snapshot = await deps.fleet.get((promise) => context.executionCtx.waitUntil(promise));
    const entry = snapshotEntry(snapshot, pool.poolId);
    const token = entry
      ? await deps.credentialFor(entry, tenant.id).catch(() => null)
      : pool.protocol === 'gpu-node'
        ? await (await deps.signer())(pool.poolId, tenant.id)
        : null;
    const upstream = entry ? upstreamOf(entry.pool) : undefined;
    const stop =
      token === null
        ? Promise.resolve()
        : backend?.cancel({
            poolUrl: pool.url,
            jobId: canceled.record.id,
            token,
            ...(upstream ? { upstream } : {}),
          });
    await stop?.catch((error: unknown) =>
      console.warn(
        JSON.stringify({
          level: 'warn',
          msg: 'pool cancel failed',
          job_id: canceled.record.id,
          error: String(error),
        }),
      ),
    );
  }
  return context.json(await resource(context, canceled.record), 200);
});

/** The caller as a job viewer: a tenant server sees every job of the tenant, an app user its own. */
function viewerOf(context: Context<AppEnv>): JobViewer {
  const principal = context.get('principal');
  if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
  return { tenantId: principal.tenant.id, owner: principal.via === 'app_token' ? principal.subject : null };
}

function tenantOf(context: Context<AppEnv>) {
  const principal = context.get('principal');
  if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
  return principal.tenant;
}

function jobStub(context: Context<AppEnv>, jobId: string) {
  const id = edgeJobIdSchema.safeParse(jobId);
  // A malformed id names no job: the same 404 as a missing one, no object is created for it.
  if (!id.success) throw notFound();
  return context.env.JOBS.getByName(id.data);
}

function notFound(): ApiError {
  return new ApiError('job_not_found', 'no such job', { param: 'id' });
}

async function resource(context: Context<AppEnv>, record: JobRecord) {
  const { config, now } = context.var.deps;
  const nowMs = now();
  return toJobResource(record, {
    edgeSigningKey: config.edgeSigningKey,
    urlTtlSeconds: config.jobs.resultUrlTtlSeconds,
    nowMs,
    edgeQueuePosition: await edgeQueuePosition(context, record, nowMs),
  });
}

/** Its place in the model's waiting room, read only for a job that sits there. */
async function edgeQueuePosition(context: Context<AppEnv>, record: JobRecord, nowMs: number) {
  const waiting =
    record.status === 'queued' && record.queuePosition === null && (record.waitingSince ?? null) !== null;
  if (!waiting) return null;
  return waitingRoomFor(context.env, record.request.model ?? '')
    .positionOf(record.id, nowMs)
    .catch(() => null);
}
