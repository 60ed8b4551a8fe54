import type { BackendCallError } from '../../backends/index.ts';
import { type ErrorEnvelope, errorEnvelope } from '../../shared/index.ts';
import { failureToApiError } from '../dispatch/dispatch-errors.ts';
import type { DispatchStop } from '../dispatch/dispatch-types.ts';
import { fullJitterDelay } from './backoff.ts';

/** Longest a job waits for capacity before its next try (and the cap of the backoff). */
const MAX_RETRY_DELAY_MS = 30_000;
/** A job waiting for room retries within this share past the fleet's drain estimate. */
const ROOM_RETRY_JITTER = 0.25;

/** What a failed dispatch means for a job: try again later, or fail it for good. */
export type JobFailureDecision =
  | {
      readonly kind: 'retry';
      readonly retryAfterMs: number;
      /** No pool had room (`no_capacity`): nothing failed, the job waits for the fleet to drain. */
      readonly waitsForRoom: boolean;
      readonly error: ErrorEnvelope['error'];
    }
  | { readonly kind: 'fail'; readonly error: ErrorEnvelope['error'] };

/**
 * Sorts a dispatch failure for a job. A sync request gives up when no pool can take it now; a
 * job waits: no capacity, full or draining pools and pool failures are retried (on whichever
 * pool routing picks next) until the job's deadline, and so is a pool's cancel of a job that was
 * not canceled (the consumer settles a canceled job itself). The request's own faults (unknown model,
 * invalid options) and a spent deadline fail the job, with the same envelope a sync request gets.
 */
export function decideJobFailure(
  error: BackendCallError | DispatchStop | 'model_not_found',
  model: string,
): JobFailureDecision {
  if (error === 'model_not_found') {
    return { kind: 'fail', error: wireError('model_not_found', `no pool serves model ${model}`, 'model') };
  }
  const apiError = failureToApiError(error);
  const wire = wireError(apiError.code, apiError.message, apiError.param);
  switch (apiError.code) {
    case 'no_capacity':
    case 'upstream_failed':
    // A cancel the job's record does not show (a lapsed claim's cancel at a pool this one joined).
    case 'job_canceled': {
      const retryAfter = typeof error === 'string' ? null : error.retryAfterSeconds;
      return {
        kind: 'retry',
        retryAfterMs: (retryAfter ?? 0) * 1000,
        waitsForRoom: apiError.code === 'no_capacity',
        error: wire,
      };
    }
    default:
      return { kind: 'fail', error: wire };
  }
}

function wireError(
  code: Parameters<typeof errorEnvelope>[0],
  message: string,
  param: string | null = null,
): ErrorEnvelope['error'] {
  // The envelope's request id is dropped: a job's error is read long after any one request.
  return errorEnvelope(code, message, '', param).error;
}

/**
 * How long a job waits before its next try (`serial`: its claims so far, 1 for the first). A job
 * that found no room waits what the fleet's drain says (`Retry-After` from the measured drain
 * rate) and up to a quarter more, so waiting jobs do not all come back at once; it is no
 * failure, so its tries do not back off. With exponential backoff for it too, a job refused four
 * times waited up to 8 s past the moment room came back, and the room's first job could start
 * after the four behind it. A pool's failure backs off (full jitter, 1 s doubling up to 30 s),
 * never sooner than the pool's own `Retry-After`.
 *
 * @example
 * jobRetryDelayMs({ retryAfterMs: 2_000, waitsForRoom: true }, 5); // 2,000-2,500 ms
 */
export function jobRetryDelayMs(
  decision: { readonly retryAfterMs: number; readonly waitsForRoom: boolean },
  serial: number,
  random: () => number = Math.random,
): number {
  if (decision.waitsForRoom && decision.retryAfterMs > 0) {
    return Math.min(MAX_RETRY_DELAY_MS, decision.retryAfterMs * (1 + ROOM_RETRY_JITTER * random()));
  }
  const backoff = fullJitterDelay(serial - 1, { baseMs: 1_000, capMs: MAX_RETRY_DELAY_MS, random });
  return Math.max(backoff, decision.retryAfterMs);
}
