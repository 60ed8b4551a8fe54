import { type BackendCallError, MAX_ANSWER_BYTES } from '../../backends/index.ts';
import { ApiError } from '../../shared/index.ts';
import { NO_POOL_NOW } from './no-pool-now.ts';

/**
 * Maps the last dispatch failure to what the client sees: its own mistakes (4xx from the pool)
 * come back as they were; an exhausted deadline is 504; a canceled call (the caller hung up, or
 * the job was canceled) is `job_canceled`; pools that were full or draining are 503 with
 * Retry-After; anything else upstream is 502. Pool error details stay in logs.
 */
export function failureToApiError(error: BackendCallError | 'no_candidates' | 'deadline_exceeded'): ApiError {
  if (error === 'no_candidates') {
    return new ApiError('no_capacity', 'no pool can take this request right now', {
      headers: { 'retry-after': '2' },
    });
  }
  if (error === 'deadline_exceeded' || error.code === 'deadline_exceeded') {
    return new ApiError('deadline_exceeded', 'no pool could finish the request within its deadline');
  }
  // Our own abort, or the pool answering the cancel the edge sent it: no pool failed.
  if (error.code === 'job_canceled') return new ApiError('job_canceled', 'the request was canceled');
  if (error.code === 'answer_too_large') {
    return new ApiError(
      'unsupported_value',
      `the images came to more than the ${MAX_ANSWER_BYTES / (1024 * 1024)} MiB the edge passes in one answer: ask for fewer images per request (n) or a smaller size`,
      { param: 'n' },
    );
  }
  const envelope = error.envelope;
  if (!error.retryable && envelope && error.status !== null && error.status >= 400 && error.status < 500) {
    const code = envelope.error.code;
    if (isClientErrorCode(code))
      return new ApiError(code, envelope.error.message, { param: envelope.error.param });
  }
  if (error.code === 'shed' || error.code === NO_POOL_NOW) {
    return new ApiError('no_capacity', error.message, {
      headers: { 'retry-after': String(error.retryAfterSeconds ?? 1) },
    });
  }
  // A provider's own 503 is overload too: its Retry-After reaches the client, as a 429's does.
  if (
    error.code === 'queue_full' ||
    error.code === 'draining' ||
    error.status === 429 ||
    error.status === 503
  ) {
    return new ApiError('no_capacity', 'every pool that could serve this request is full', {
      headers: { 'retry-after': String(error.retryAfterSeconds ?? 2) },
    });
  }
  return new ApiError('upstream_failed', 'no pool could serve the request');
}

const clientErrorCodes = [
  'invalid_request',
  'unsupported_value',
  'model_not_found',
  'payload_too_large',
  'invalid_json',
] as const;

function isClientErrorCode(code: string): code is (typeof clientErrorCodes)[number] {
  return (clientErrorCodes as readonly string[]).includes(code);
}
