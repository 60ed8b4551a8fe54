import type { BackendCallError } from '../../backends/index.ts';
import type { AttemptOutcome } from './dispatch-types.ts';

/** Sorts a failed attempt into the {@link AttemptOutcome} the caller's bookkeeping acts on. */
export function attemptOutcome(error: BackendCallError): Exclude<AttemptOutcome, 'ok'> {
  if (error.code === 'connection_failed') return 'connection_failed';
  if (error.code === 'deadline_exceeded') return 'timed_out';
  // Without an answer (the caller aborted) or as the pool's 409 to the edge's own cancel.
  if (error.code === 'job_canceled') return 'canceled';
  // Past what the edge takes in one answer: the request's size, not the pool's fault.
  if (error.code === 'answer_too_large') return 'rejected';
  if (error.status !== null && !error.workStarted) return error.retryable ? 'refused' : 'rejected';
  if (error.status !== null && error.status >= 400 && error.status < 500 && !error.retryable)
    return 'rejected';
  return 'failed';
}
