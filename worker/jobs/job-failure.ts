import type { BackendCallError } from '../../backends/index.ts';
import { type ErrorEnvelope, errorEnvelope } from '../../shared/index.ts';
import { failureToApiError } from '../dispatch/dispatch-errors.ts';
import type { DispatchStop } from '../dispatch/dispatch-types.ts';

/** What a failed dispatch means for a job: try again later, or fail it for good. */
export type JobFailureDecision =
  | { readonly kind: 'retry'; readonly retryAfterMs: number; readonly error: ErrorEnvelope['error'] }
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
      return { kind: 'retry', retryAfterMs: (retryAfter ?? 0) * 1000, error: wire };
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
