import type { AttemptOutcome, AttemptRecord, DispatchOptions } from './dispatch-types.ts';
import type { PoolCall } from './pool-call.ts';

// How the dispatcher stops waiting for pool calls and records each one's end.

/** Why a call still running is given up: it went quiet mid-job, or it was one of a tied pair. */
interface LossReason {
  readonly stalled: boolean;
  readonly tied: boolean;
}

/**
 * Stops waiting for a call another pool beat: ask its pool to drop the job. The call that went
 * quiet mid-job is `stalled` (a broken pool), a late one `hedge_lost` (a loaded or slowed pool);
 * a copy that lost to the call it was hedging is merely `canceled`, either call of a tied pair
 * `tie_lost`.
 */
export function abandon(
  options: DispatchOptions,
  attempts: AttemptRecord[],
  call: PoolCall,
  why: LossReason,
): void {
  leave(options, attempts, call, lostOutcome(call, why));
}

function lostOutcome(call: PoolCall, why: LossReason): 'canceled' | 'hedge_lost' | 'stalled' | 'tie_lost' {
  if (why.tied) return 'tie_lost';
  if (call.role === 'hedge') return 'canceled';
  return why.stalled ? 'stalled' : 'hedge_lost';
}

/** Stops waiting for a call and cancels it on its pool, recording why. */
export function leave(
  options: DispatchOptions,
  attempts: AttemptRecord[],
  call: PoolCall,
  outcome: 'canceled' | 'hedge_lost' | 'stalled' | 'rerouted' | 'tie_lost',
): void {
  // No per-call abort signal: one cost every request about a tenth of a millisecond in workerd
  // (bench/edge), and the explicit cancel below ends the call on the pool, which then answers
  // it; a Worker also drops its unfinished subrequests once the response is sent. That
  // settlement comes after the result and is of no interest.
  call.settled.catch(() => undefined);
  record(options, attempts, call, outcome, { status: null, code: outcome, load: null });
  cancelInBackground(options, call);
}

/** Records how a call ended, in `attempts` and through `onAttempt`. */
export function record(
  options: DispatchOptions,
  attempts: AttemptRecord[],
  call: PoolCall,
  outcome: AttemptOutcome,
  result: Pick<AttemptRecord, 'status' | 'code' | 'load'> & { readonly retryAfterSeconds?: number | null },
): void {
  const attempt: AttemptRecord = {
    poolId: call.candidate.poolId,
    providerId: call.candidate.providerId,
    durationMs: options.now() - call.started,
    outcome,
    status: result.status,
    code: result.code,
    load: result.load,
    retryAfterSeconds: result.retryAfterSeconds ?? null,
    ...(call.role === 'hedge' ? { hedge: true } : {}),
    ...(call.role === 'tie' ? { tie: true } : {}),
  };
  attempts.push(attempt);
  options.onAttempt?.(attempt);
}

/**
 * We stopped waiting (timeout, caller abort, lost hedge) while the pool may still be computing.
 * gpu-node drops a job whose caller hung up, but other protocols may not, so ask explicitly;
 * best effort.
 */
export function cancelInBackground(options: DispatchOptions, call: PoolCall): void {
  const cancelled = call.backend
    .cancel({
      poolUrl: call.candidate.url,
      jobId: options.jobId,
      token: call.token,
      ...(call.candidate.upstream ? { upstream: call.candidate.upstream } : {}),
    })
    .catch(() => undefined);
  if (options.waitUntil) options.waitUntil(cancelled);
}
