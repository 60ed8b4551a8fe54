import { type Context, Hono } from 'hono';
import { ApiError, edgeJobIdSchema, jobSubmitRequestSchema } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { webhookSecret } from '../auth/webhook-signature.ts';
import { tenantRequest } from '../dispatch/route-and-dispatch.ts';
import { requireTenant } from '../middleware/authenticate.ts';
import { readJsonBody } from '../middleware/read-json-body.ts';
import { streamJobEvents } from './job-events.ts';
import type { JobRecord } from './job-record.ts';
import { checkWebhookUrl, jobIdFor, randomSeed, submissionFingerprint } from './job-submission.ts';
import { toJobResource } from './job-view.ts';
import { preferredWaitSeconds } from './prefer-wait.ts';
import { waitingRoomFor } from './waiting-room-stub.ts';

/**
 * The async jobs API: `POST /v1/jobs` (202 + the job; `Idempotency-Key`), `GET /v1/jobs/:id`
 * (long-poll with `Prefer: wait=N`), `GET /v1/jobs/:id/events` (SSE), `DELETE /v1/jobs/:id`
 * (cancel) and `GET /v1/webhooks/secret`. Tenants see only their own jobs: another tenant's id
 * is 404 `job_not_found`, exactly like an id that never existed.
 */
export const jobRoutes = new Hono<AppEnv>()
  .post('/v1/jobs', requireTenant, async (context) => {
    const tenant = tenantOf(context);
    const submission = await readJsonBody(context, jobSubmitRequestSchema);
    const { config } = context.var.deps;
    const settings = config.jobs;
    if (submission.webhook !== undefined) checkWebhookUrl(submission.webhook, settings.allowPrivateWebhooks);
    const idempotencyKey = context.req.header('idempotency-key');
    const id = await jobIdFor(config.edgeSigningKey, tenant.id, idempotencyKey);
    const { webhook, ...generation } = submission;
    const request = tenantRequest(generation, tenant, config.defaultModel);
    const now = context.var.deps.now();
    const created = await context.env.JOBS.getByName(id).create({
      id,
      tenant: {
        id: tenant.id,
        tier: tenant.tier,
        allowed_providers: tenant.allowed_providers,
        allowed_regions: tenant.allowed_regions,
      },
      fingerprint: await submissionFingerprint(submission),
      request: { ...request, seed: request.seed ?? randomSeed() },
      webhook: webhook ?? null,
      origin: new URL(context.req.url).origin,
      deadlineAt: now + (request.deadline_ms ?? settings.defaultDeadlineMs),
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
  })
  .get('/v1/jobs/:id', requireTenant, async (context) => {
    const job = jobStub(context);
    const wait = preferredWaitSeconds(context.req.header('prefer'));
    const tenantId = tenantOf(context).id;
    const record =
      wait === null ? await job.read(tenantId) : await job.waitFor(tenantId, 0, true, wait * 1000);
    if (record === null) throw notFound();
    if (wait !== null) context.header('preference-applied', `wait=${wait}`);
    return context.json(await resource(context, record));
  })
  .get('/v1/jobs/:id/events', requireTenant, async (context) => {
    const job = jobStub(context);
    const tenantId = tenantOf(context).id;
    const record = await job.read(tenantId);
    if (record === null) throw notFound();
    const lastEventId = Number.parseInt(context.req.header('last-event-id') ?? '0', 10);
    return streamJobEvents(context, {
      next: (afterVersion, timeoutMs) => job.waitFor(tenantId, afterVersion, false, timeoutMs),
      view: (next) => resource(context, next),
      afterVersion: Number.isFinite(lastEventId) ? lastEventId : 0,
    });
  })
  .delete('/v1/jobs/:id', requireTenant, async (context) => {
    const job = jobStub(context);
    const tenant = tenantOf(context);
    const canceled = await job.cancel(tenant.id);
    if (canceled === null) throw notFound();
    const pool = canceled.stopPool;
    if (pool !== null) {
      // The consumer's claim also stops (its renewal fails and it hangs up); asking the pool
      // directly frees its slots now rather than at the next renewal.
      const { deps } = context.var;
      const backend = deps.backendFor(pool.protocol);
      const token = await (await deps.signer())(pool.poolId, tenant.id);
      await backend?.cancel({ poolUrl: pool.url, jobId: canceled.record.id, token }).catch((error: unknown) =>
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
    return context.json(await resource(context, canceled.record));
  })
  .get('/v1/webhooks/secret', requireTenant, async (context) =>
    context.json({ key: await webhookSecret(context.var.deps.config.edgeSigningKey, tenantOf(context).id) }),
  );

function tenantOf(context: Context<AppEnv>) {
  const principal = context.get('principal');
  if (principal.kind !== 'tenant') throw new ApiError('insufficient_scope', 'tenant credential required');
  return principal.tenant;
}

function jobStub(context: Context<AppEnv>) {
  const id = edgeJobIdSchema.safeParse(context.req.param('id'));
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
