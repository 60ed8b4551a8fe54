import type { JobSettings } from '../config.ts';
import type { DispatchCandidate } from '../dispatch/dispatch-types.ts';
import {
  type DispatchServices,
  type RouteAndDispatchResult,
  routeAndDispatch,
} from '../dispatch/route-and-dispatch.ts';
import { poolViewOf } from '../fleet/pool-views.ts';
import type { EdgeObservability } from '../observability/edge-observability.ts';
import { jobDispatchEvent } from '../observability/job-dispatch-event.ts';
import { RequestObservation } from '../observability/request-observation.ts';
import { requestTrace } from '../observability/request-trace.ts';
import type { PoolView } from '../routing/index.ts';
import { JobCopies } from './job-copies.ts';
import { decideJobFailure, type JobFailureDecision, jobRetryDelayMs } from './job-failure.ts';
import { type JobMessage, jobMessageSchema } from './job-message.ts';
import type { JobObject } from './job-object.ts';
import type { ClaimedJob } from './job-record.ts';
import { throttleProgress } from './progress-throttle.ts';
import { estimatedStartAt } from './queue-estimate.ts';
import { deleteImages, storeImages } from './result-store.ts';
import { waitingRoomFor } from './waiting-room-stub.ts';

/**
 * The job queue's consumer, with the isolate's collaborators. Each message is a turn: it claims
 * the next job of its model's waiting room in fair order (`claimTurn`), and that job is routed and
 * dispatched with failover exactly like a sync request, with the edge job id as the pools'
 * idempotency key. While it runs the claim is
 * renewed; a cancel or a lapsed claim aborts the pool call. The message is acked once the job
 * object knows the outcome, or retried when no pool could take the job (`jobRetryDelayMs`).
 *
 * @example
 * const queue = (batch, env, ctx) => consumeJobBatch(batch, { services: deps, env, ctx });
 */
export async function consumeJobBatch(batch: MessageBatch<unknown>, consumer: JobConsumer): Promise<void> {
  await Promise.all(batch.messages.map((message) => consumeMessage(message, consumer)));
}

/** What the consumer works with: the isolate's dispatch collaborators, job settings and bindings. */
export interface JobConsumer {
  readonly services: DispatchServices & {
    readonly config: { readonly jobs: JobSettings };
    /** Logs and counts each dispatch (`worker/observability`); absent: not observed. */
    readonly observability?: EdgeObservability;
  };
  readonly env: Env;
  readonly ctx: ExecutionContext;
}

async function consumeMessage(message: Message<unknown>, consumer: JobConsumer): Promise<void> {
  const { env } = consumer;
  const parsed = jobMessageSchema.safeParse(message.body);
  if (!parsed.success) {
    console.warn(JSON.stringify({ level: 'warn', msg: 'dropped a malformed job message', id: message.id }));
    message.ack();
    return;
  }
  try {
    const claim = await claimTurn(env, parsed.data, consumer.services.config.jobs.claimLeaseMs);
    if (claim === null) {
      message.ack();
      return;
    }
    const retryInMs = await runClaim(consumer, claim);
    if (retryInMs === null) message.ack();
    else message.retry({ delaySeconds: Math.ceil(retryInMs / 1000) });
  } catch (error) {
    // The job object was unreachable: let the queue deliver the message again.
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'job message failed',
        job_id: parsed.data.job_id,
        error: String(error),
      }),
    );
    message.retry({ delaySeconds: 1 });
  }
}

/** Jobs a turn tries from its room before it falls back to the job its message names. */
const MAX_TURN_TRIES = 3;

/**
 * Claims the job this message's turn dispatches: the next in its model's waiting room (fair
 * order: `worker/jobs/waiting-room.ts`), whichever job the message names; the named job when the
 * room has none ready or cannot answer (or the message, from before rooms ordered dispatch, names
 * no model). Null when there is nothing to claim.
 */
async function claimTurn(env: Env, message: JobMessage, leaseMs: number): Promise<ClaimedJob | null> {
  if (message.model !== undefined) {
    const room = waitingRoomFor(env, message.model);
    for (let tries = 0; tries < MAX_TURN_TRIES; tries++) {
      const next = await room.next(Date.now(), leaseMs).catch(() => null);
      if (next === null) break;
      const claim = await env.JOBS.getByName(next).claim();
      if (claim !== null) return claim;
      // Ended, or claimed by another consumer (which puts it back if no pool takes it).
      await room.leave(next).catch(() => undefined);
    }
  }
  return env.JOBS.getByName(message.job_id).claim();
}

/** Runs one claim to its outcome; returns the delay before a retry, or null when the job is settled. */
async function runClaim(consumer: JobConsumer, claim: ClaimedJob): Promise<number | null> {
  const { env, ctx, services } = consumer;
  const job = env.JOBS.getByName(claim.id);
  const settings = services.config.jobs;
  const stop = new AbortController();
  const heartbeat = setInterval(
    () => {
      job.renew(claim.serial).then(
        (live) => {
          if (!live) stop.abort();
        },
        () => undefined,
      );
    },
    Math.max(250, Math.floor(settings.claimLeaseMs / 3)),
  );
  // Reports go out in order; the outcome waits for them so `running` never follows `succeeded`.
  let reports: Promise<void> = Promise.resolve();
  let poolId: string | null = null;
  const called = new Map<string, DispatchCandidate>();
  const copies = new JobCopies();
  // Each claim continues the submission's trace: the client's trace id reaches the pool's log.
  const observation = new RequestObservation(requestTrace(claim.traceparent ?? null));
  observation.model = claim.request.model ?? null;
  const startedAt = services.now();
  const progressed = throttleProgress((progress) => {
    const report =
      progress.kind === 'queued'
        ? {
            ...progress,
            estimatedStartAt: estimatedStartAt(
              poolView(services, poolId),
              progress.position,
              services.now(),
              progress.startInMs,
            ),
          }
        : progress;
    reports = reports.then(() => job.report(claim.serial, report)).catch(() => undefined);
  });
  try {
    const outcome = await routeAndDispatch({
      services,
      tenant: claim.tenant,
      request: claim.request,
      jobId: claim.id,
      deadlineAt: claim.deadlineAt,
      waitUntil: (promise) => ctx.waitUntil(promise),
      signal: stop.signal,
      onStart: (candidate: DispatchCandidate) => {
        const alongside = copies.started(candidate.poolId);
        if (!alongside) poolId = candidate.poolId;
        called.set(candidate.poolId, candidate);
        reports = reports.then(() => job.started(claim.serial, candidate, alongside)).catch(() => undefined);
      },
      onEnd: (endedPoolId) => copies.ended(endedPoolId),
      onProgress: (progress, reportingPoolId) => {
        copies.observe(progress, reportingPoolId);
        progressed(progress);
      },
      observe: observation,
    });
    const timing = { startedAt, finishedAt: services.now() };
    const canceled = !outcome.ok && (await canceledJob(job, stop.signal.aborted, outcome.error));
    // A claim stopped by a lapsed lease is no dispatch outcome (its job goes on under another
    // claim); one whose job was canceled counts as a cancel, never as its pool's failure.
    if (canceled || !stop.signal.aborted) {
      const event = jobDispatchEvent(claim, outcome, observation, timing, canceled);
      services.observability?.finished(event, (promise) => ctx.waitUntil(promise));
    }
    await reports;
    if (outcome.ok) {
      const { response } = outcome.result;
      const expiresAt = services.now() + settings.resultRetentionMs;
      await storeImages(env.RESULTS, claim.id, response.data, expiresAt);
      const images = response.data.map((image) => ({
        seed: image.seed ?? null,
        revised_prompt: image.revised_prompt ?? null,
      }));
      const verdict = await job.succeed(
        { created: response.created, images, warnings: outcome.result.warnings },
        called.get(outcome.poolId),
      );
      if (verdict === 'canceled') await deleteImages(env.RESULTS, claim.id, images.length);
      return null;
    }
    if (canceled || stop.signal.aborted) return null;
    return settle(job, claim, decideJobFailure(outcome.error, claim.request.model ?? ''));
  } finally {
    clearInterval(heartbeat);
  }
}

/**
 * Whether a failed claim ended because its job was canceled: its renewal stopped it, or its pool
 * answered the cancel the edge sent it (often before the renewal notices). Only then is the job
 * object asked; unreachable, the claim is taken as not canceled.
 */
async function canceledJob(
  job: DurableObjectStub<JobObject>,
  stopped: boolean,
  error: Extract<RouteAndDispatchResult, { ok: false }>['error'],
): Promise<boolean> {
  const cancelAnswer = typeof error !== 'string' && error.code === 'job_canceled';
  if (!stopped && !cancelAnswer) return false;
  return await job.isCanceled().catch(() => false);
}

async function settle(
  job: DurableObjectStub<JobObject>,
  claim: ClaimedJob,
  decision: JobFailureDecision,
): Promise<number | null> {
  if (decision.kind === 'fail' || Date.now() >= claim.deadlineAt) {
    await job.fail(claim.serial, decision.error);
    return null;
  }
  const delay = Math.min(jobRetryDelayMs(decision, claim.serial), claim.deadlineAt - Date.now());
  return await job.release(claim.serial, delay);
}

/** The pool's figures in the isolate's current snapshot (no registry read), if it has one. */
function poolView(services: DispatchServices, poolId: string | null): PoolView | undefined {
  const snapshot = services.fleet.current();
  if (!snapshot || poolId === null) return undefined;
  return poolViewOf(snapshot, poolId);
}
