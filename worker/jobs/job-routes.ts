import type { Context } from 'hono';
import { ApiError, edgeJobIdSchema } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { publicOriginOf } from '../config.ts';
import { upstreamOf } from '../dispatch/pool-upstream.ts';
import { tenantRequest } from '../dispatch/tenant-request.ts';
import { fleetIndexOf, poolViewsOf, snapshotEntry } from '../fleet/pool-views.ts';
import { openapiWithJsonBody } from '../middleware/read-json-body.ts';
import { routeGroup } from '../openapi/index.ts';
import { etagOfVersion, heldVersion, versionsOfEtags } from './job-etag.ts';
import { streamJobEvents } from './job-events.ts';
import { refuseUnservedAsk } from './job-fit.ts';
import type { JobRecord, JobViewer } from './job-record.ts';
import { cancelJob, createJob, getJob, streamJobEventsRoute } from './job-route-specs.ts';
import {
  checkWebhookUrl,
  jobIdFor,
  randomSeed,
  submissionFingerprint,
  withoutNamedDefaults,
} from './job-submission.ts';
import { toJobResource } from './job-view.ts';
import { preferredWaitSeconds } from './prefer-wait.ts';
import { waitingPlaceOf } from './waiting-room-stub.ts';

/**
 * The async jobs API: `POST /v1/jobs` (202 + the job; `Idempotency-Key`), `GET /v1/jobs/:id`
 * (long-poll with `Prefer: wait=N`), `GET /v1/jobs/:id/events` (SSE) and `DELETE /v1/jobs/:id`
 * (cancel). Tenants see only their own jobs: another tenant's id is 404 `job_not_found`,
 * exactly like an id that never existed.
 */
export const jobRoutes = routeGroup<AppEnv>();

openapiWithJsonBody(
  jobRoutes,
  createJob,
  async (context) => {
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
    const snapshot = await context.var.deps.fleet.get((promise) => context.executionCtx.waitUntil(promise));
    refuseUnservedAsk(poolViewsOf(snapshot), tenant, {
      ...request,
      model: request.model ?? config.defaultModel,
    });
    const now = context.var.deps.now();
    const job = context.env.JOBS.getByName(id);
    const newJob = {
      id,
      tenant: {
        id: tenant.id,
        tier: tenant.tier,
        allowed_providers: tenant.allowed_providers,
        allowed_regions: tenant.allowed_regions,
      },
      owner: viewer.owner,
      // Defaults filled in as the job runs them (the model, and the size and steps the fleet
      // reports for it): naming a default, or `size: "auto"`, is the same request as leaving it out.
      fingerprint: await submissionFingerprint({
        ...withoutDefaultables(withoutNamedDefaults(submission, settings.defaultDeadlineMs)),
        ...withDefaults(
          request,
          fleetIndexOf(snapshot, request.model ?? config.defaultModel, config.routing),
        ),
      }),
      request: { ...request, seed: request.seed ?? randomSeed() },
      webhook: webhook ?? null,
      origin: publicOriginOf(config, context.req.url),
      deadlineAt: now + (request.deadline_ms ?? settings.defaultDeadlineMs),
      traceparent: context.var.observation.trace.traceparent,
    };
    // A replay answers the job already made: it costs no quota, and is never refused for want of it.
    const prior = idempotencyKey === undefined ? null : await job.prior(newJob);
    if (prior === null) {
      // Counted against the tenant's rates at submission; a job holds no concurrency slot (it waits).
      const admitted = await context.var.deps.admission.admit(tenant, request.n, null);
      context.var.observation.admission = admitted.source;
      for (const [name, value] of Object.entries(admitted.headers)) context.header(name, value);
    }
    const created = prior ?? (await job.create(newJob));
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
  },
  { openAi: true },
);

jobRoutes.openapi(getJob, async (context) => {
  const job = jobStub(context, context.req.valid('param').id);
  const wait = preferredWaitSeconds(context.req.header('prefer'));
  const viewer = viewerOf(context);
  const tags = versionsOfEtags(context.req.header('if-none-match'));
  // One tag is the version held (the SDK's case); `*` or a list is judged on the current version.
  const [single] = tags === '*' || tags === null || tags.length > 1 ? [] : tags;
  const held = tags === null ? null : (single ?? heldVersion(tags, (await job.read(viewer))?.version ?? -1));
  const record =
    wait === null
      ? await job.read(viewer)
      : // With the client's version: wake at the next change; without: when the job ends.
        await job.waitFor(viewer, held ?? 0, held === null, wait * 1000);
  if (record === null) throw notFound();
  if (wait !== null) context.header('preference-applied', `wait=${wait}`);
  context.header('etag', etagOfVersion(record.version));
  context.header('cache-control', 'no-store');
  if (record.version === held) return context.body(null, 304);
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
    // An id past this job's version was never given for it (another job's, or made up): the
    // reader gets the current state rather than a stream that ends with nothing.
    afterVersion: Number.isFinite(lastEventId) && lastEventId <= record.version ? lastEventId : 0,
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
    waitingPlace: await edgeWaitingPlace(context, record, nowMs),
  });
}

/** Its place in the model's waiting room, read only for a job that sits there. */
async function edgeWaitingPlace(context: Context<AppEnv>, record: JobRecord, nowMs: number) {
  const waiting =
    record.status === 'queued' && record.queuePosition === null && (record.waitingSince ?? null) !== null;
  return waiting ? waitingPlaceOf(context.env, record, nowMs) : null;
}

/** The submission without the fields {@link withDefaults} resolves (as sent, `size` may be "auto"). */
function withoutDefaultables<T extends { model?: unknown; size?: unknown; steps?: unknown }>(
  submission: T,
): Omit<T, 'model' | 'size' | 'steps'> {
  const { model: _model, size: _size, steps: _steps, ...rest } = submission;
  return rest;
}

/** The request's model, size and steps with the fleet's defaults for the model filled in. */
function withDefaults(
  request: { readonly model?: string; readonly size?: string; readonly steps?: number },
  index: { readonly defaults: { readonly size?: string; readonly steps?: number } | null },
): { model?: string; size?: string; steps?: number } {
  const size = request.size ?? index.defaults?.size;
  const steps = request.steps ?? index.defaults?.steps;
  return {
    ...(request.model === undefined ? {} : { model: request.model }),
    ...(size === undefined ? {} : { size }),
    ...(steps === undefined ? {} : { steps }),
  };
}
