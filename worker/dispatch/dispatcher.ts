import { BackendCallError, type ImageBackend } from '../../backends/index.ts';
import { attemptOutcome } from './attempt-outcome.ts';
import type { AttemptRecord, DispatchCandidate, DispatchOptions, DispatchResult } from './dispatch-types.ts';

/**
 * Sends one request to the first candidate pool and fails over down the list, so the client
 * gets exactly one result.
 *
 * Failover happens only when the error is `retryable` (see `backends/failure-policy.ts`), time
 * remains, fewer than `maxAttempts` pools were called and `allowRetry` agrees:
 * - nothing started (connection refused, 503 queue_full/draining, 429, our token refused): the
 *   next pool costs no duplicated compute;
 * - started but failed (5xx, a malformed answer, our per-call timeout): the failed pool produced
 *   no image, so a second computation is the only way to answer; a pool we stopped waiting for
 *   is sent a cancel so it does not keep computing in parallel;
 * - never on the request's own fault (4xx), an explicit cancel, or `deadline_exceeded` (the
 *   deadline is shared: no pool could finish in time either).
 * Each attempt gets the remaining budget as its deadline; none starts at or after `deadlineAt`.
 * An adapter's non-BackendCallError (a bug) propagates.
 *
 * @example
 * const outcome = await dispatchWithFailover({ candidates, request, jobId, deadlineAt,
 *   backendFor: (protocol) => backends['gpu-node'](), tokenFor, now: Date.now });
 */
export async function dispatchWithFailover(options: DispatchOptions): Promise<DispatchResult> {
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 3));
  const attempts: AttemptRecord[] = [];
  if (options.candidates.length === 0) return { ok: false, error: 'no_candidates', attempts };
  let lastError: BackendCallError | null = null;
  for (const candidate of options.candidates) {
    if (attempts.length >= maxAttempts) break;
    if (lastError && options.allowRetry && !options.allowRetry(lastError)) break;
    if (options.deadlineAt - options.now() <= 0) break;
    const backend = options.backendFor(candidate.protocol);
    const token = await options.tokenFor(candidate.poolId);
    const started = options.now();
    const deadlineMs = options.deadlineAt - started;
    if (deadlineMs <= 0) break;
    options.onStart?.(candidate.poolId, candidate);
    try {
      const result = await backend.generate({
        poolUrl: candidate.url,
        jobId: options.jobId,
        request: options.request,
        deadlineMs,
        token,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      record(options, attempts, candidate, started, {
        outcome: 'ok',
        status: 200,
        code: null,
        load: result.load,
      });
      return { ok: true, result, poolId: candidate.poolId, providerId: candidate.providerId, attempts };
    } catch (error) {
      if (!BackendCallError.isInstance(error)) throw error;
      const { status, code, load } = error;
      record(options, attempts, candidate, started, { outcome: attemptOutcome(error), status, code, load });
      lastError = error;
      if (error.status === null && error.workStarted) cancelInBackground(options, backend, candidate, token);
      if (!error.retryable) break;
    }
  }
  return { ok: false, error: lastError ?? 'deadline_exceeded', attempts };
}

function record(
  options: DispatchOptions,
  attempts: AttemptRecord[],
  candidate: DispatchCandidate,
  started: number,
  result: Pick<AttemptRecord, 'outcome' | 'status' | 'code' | 'load'>,
): void {
  const attempt: AttemptRecord = {
    poolId: candidate.poolId,
    providerId: candidate.providerId,
    durationMs: options.now() - started,
    ...result,
  };
  attempts.push(attempt);
  options.onAttempt?.(attempt);
}

/**
 * We stopped waiting (timeout, caller abort) while the pool may still be computing. gpu-node
 * drops a job whose caller hung up, but other protocols may not, so ask explicitly; best effort.
 */
function cancelInBackground(
  options: DispatchOptions,
  backend: ImageBackend,
  candidate: DispatchCandidate,
  token: string,
): void {
  const cancelled = backend
    .cancel({ poolUrl: candidate.url, jobId: options.jobId, token })
    .catch(() => undefined);
  if (options.waitUntil) options.waitUntil(cancelled);
}
