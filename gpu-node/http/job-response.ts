import type { ErrorCode, GenerationResponse } from '../../shared/index.ts';
import type { Job, JobOutcome } from '../scheduler/job.ts';
import type { SubmitRejection } from '../scheduler/scheduler.ts';
import { ApiError } from './api-error.ts';
import type { PoolContext } from './pool-context.ts';
import { encodeGenerationResponse, type ResponseHead } from './response-encoding.ts';

/** The OpenAI-shaped response for a succeeded job, with Spillway's details alongside. */
export function generationResponse(
  pool: PoolContext,
  job: Job,
  outcome: Extract<JobOutcome, { ok: true }>,
  warnings: readonly string[],
): GenerationResponse {
  const head = responseHead(pool, job, outcome, warnings);
  return {
    created: head.created,
    data: outcome.images.map((image) => ({
      b64_json: Buffer.from(image.png).toString('base64'),
      seed: image.seed,
    })),
    spillway: head.spillway,
  };
}

/** The same response as {@link generationResponse}, already serialised as a JSON body. */
export function generationResponseBody(
  pool: PoolContext,
  job: Job,
  outcome: Extract<JobOutcome, { ok: true }>,
  warnings: readonly string[],
): Buffer<ArrayBuffer> {
  return encodeGenerationResponse(responseHead(pool, job, outcome, warnings), outcome.images);
}

function responseHead(
  pool: PoolContext,
  job: Job,
  outcome: Extract<JobOutcome, { ok: true }>,
  warnings: readonly string[],
): ResponseHead {
  const { spec } = job;
  return {
    created: Math.floor((job.finishedAt ?? pool.now()) / 1000),
    spillway: {
      job_id: spec.jobId,
      pool_id: pool.poolId,
      model: spec.model,
      size: `${spec.width}x${spec.height}`,
      steps: spec.steps,
      execution_provider: pool.provider,
      queue_ms: Math.round(outcome.queueMs * 100) / 100,
      compute_ms: Math.round(outcome.computeMs * 100) / 100,
      warnings: [...warnings],
    },
  };
}

/** The client error for a failed outcome. */
export function failureError(outcome: Extract<JobOutcome, { ok: false }>): ApiError {
  return new ApiError(outcome.failure.code, outcome.failure.message);
}

/**
 * The client error for a refused submission, with `Retry-After` where a retry makes sense.
 *
 * A job id another owner holds gets exactly the answer of a job id the caller used with another
 * body: 409 `job_id_conflict`, param `job_id`, one message. Whatever the other job's body, state
 * or owner, the caller learns only that the id is taken on this pool; the edge fails over to
 * another pool (`backends/failure-policy.ts`), never to this one again with that id.
 */
export function rejectionError(rejection: SubmitRejection): ApiError {
  switch (rejection.reason) {
    case 'queue_full':
      return new ApiError('queue_full', 'the pool queue is full; retry later or elsewhere', {
        headers: { 'retry-after': String(rejection.retryAfterSeconds) },
      });
    case 'draining':
      return new ApiError('draining', 'the pool is draining and takes no new work', {
        headers: { 'retry-after': '30' },
      });
    case 'job_id_conflict':
    case 'foreign_job_id':
      return new ApiError('job_id_conflict', 'job_id is already in use on this pool by another request', {
        param: 'job_id',
      });
  }
}

/** The metric label for a refused submission: the code on the wire. */
export function rejectionCode(rejection: SubmitRejection): ErrorCode {
  switch (rejection.reason) {
    case 'queue_full':
    case 'draining':
    case 'job_id_conflict':
      return rejection.reason;
    case 'foreign_job_id':
      return 'job_id_conflict';
  }
}
