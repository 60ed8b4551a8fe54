import type { BackendCallError } from '../../backends/index.ts';
import { MAX_REROUTES } from '../routing/index.ts';
import { attemptOutcome } from './attempt-outcome.ts';
import { abandon, cancelInBackground, leave, record } from './call-endings.ts';
import { earliest, nextEvent, stallAt, untilNextStep } from './call-wakeups.ts';
import type { AttemptRecord, DispatchCandidate, DispatchOptions, DispatchResult } from './dispatch-types.ts';
import { type LateCallStep, lateCallStep, pacesHedge } from './pace-hedge.ts';
import { type CallRole, type PoolCall, startPoolCall } from './pool-call.ts';
import { tiedPairLoser, untilTieSettles } from './tie-break.ts';

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
 * With `hedge`, a call still unanswered after `hedge.afterMs` (a stalled or slowed pool) gets a
 * copy while it keeps running (on `ack.copyTo`'s fresh pick, else the next candidate; a call late
 * by its own pace on `ack.hedgeTo`'s); the first image wins and the other call is
 * aborted and cancelled (issue 4: hedging with the loser cancelled). A streamed call
 * (`onProgress`) that stops reporting steps mid-job gets its copy at once, budget or not. At most
 * two calls run at once, and copies count towards `maxAttempts`. With `tie`, the first two
 * candidates are called at once and, once both pools have acknowledged, the one expected to
 * finish later is cancelled (`tie_lost`).
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
  const waiting = [...options.candidates];
  const running = new Set<PoolCall>();
  let started = 0;
  let hedged = false;
  /** The clock said late, but the call's own pace said a copy was not worth it: its steps decide now. */
  let clockPassed = false;
  /**
   * The budget refused the clock's copy: no other copy comes from the clock or the pace, but a
   * refused hedge is no copy sent, so a stall (a missing acknowledgement) still gets its own.
   */
  let hedgeRefused = false;
  /** The call whose silence started the copy, if one did: it is `stalled` when it loses. */
  let stalledCall: PoolCall | null = null;
  let moves = 0;
  /** A tied pair runs and neither pool has been told to drop it yet. */
  let tied = false;
  /** The request went to two pools at once: it chose between them on their acknowledgements, and does not move. */
  let tiedRequest = false;
  let lastError: BackendCallError | null = null;
  /** The pair settles: one call dropped, failed or answered (the isolate may tie again). */
  const settleTie = (): void => {
    if (!tied) return;
    tied = false;
    options.onTieSettled?.();
  };

  /**
   * Pools this request has called: never called again. The pool keeps the job id it was given
   * (its idempotency key), so a call sent back to a pool it moved off answered that canceled job's
   * 409 `job_canceled`, and the client was told it had canceled.
   */
  const calledPools = new Set<string>();
  const uncalled = (order: readonly DispatchCandidate[] | null | undefined) => {
    const fresh = order?.filter((candidate) => !calledPools.has(candidate.poolId)) ?? [];
    return fresh.length > 0 ? fresh : null;
  };
  const startNext = async (role: CallRole = 'call'): Promise<boolean> => {
    // Candidates were ranked when the request arrived; one backed off or ejected since is passed over.
    const passedOver = (candidate: DispatchCandidate) =>
      calledPools.has(candidate.poolId) ||
      (options.stillCallable !== undefined && !options.stillCallable(candidate.poolId));
    while (waiting[0] && passedOver(waiting[0])) waiting.shift();
    const candidate = waiting.shift();
    if (!candidate || started >= maxAttempts) return false;
    calledPools.add(candidate.poolId);
    const call = await startPoolCall(options, candidate, role);
    if (!call) return false;
    started++;
    running.add(call);
    return true;
  };

  for (;;) {
    if (running.size === 0) {
      if (lastError && (!lastError.retryable || (options.allowRetry && !options.allowRetry(lastError))))
        break;
      if (!(await startNext())) break;
      if (options.tie && started === 1 && options.ack?.remainingMs) {
        tied = await startNext('tie');
        tiedRequest = tied;
        if (!tied) options.onTieSettled?.();
      }
    }
    if (tied) {
      const loser = running.size === 2 ? tiedPairLoser(options, running) : null;
      if (running.size < 2 || loser) settleTie();
      if (loser) {
        running.delete(loser);
        leave(options, attempts, loser, 'tie_lost');
        continue;
      }
    }
    const moveOrder =
      !tiedRequest && moves < MAX_REROUTES && started < maxAttempts
        ? uncalled(rerouteNow(options, running, moves))
        : null;
    if (moveOrder) {
      // The pool's acknowledgement showed a queue or a batch the snapshot did not: move while it
      // costs (next to) nothing, along a fresh pick.
      const [queued] = running;
      if (queued) {
        moves++;
        running.delete(queued);
        leave(options, attempts, queued, 'rerouted');
        waiting.splice(0, waiting.length, ...moveOrder);
        await startNext();
        continue;
      }
    }
    const hedgeAtMs: number | null =
      hedged || clockPassed || hedgeRefused ? null : hedgeAt(options, running, waiting, started, maxAttempts);
    const stallAtMs = hedged ? null : stallAt(running, waiting, started, maxAttempts);
    const wakeAtMs = earliest(hedgeAtMs, stallAtMs);
    const wakeOn = firstOf(
      firstOf(
        hedged
          ? null
          : untilNextStep(
              running,
              stallAtMs === null || (!hedgeRefused && pacesHedge(options, started, maxAttempts)),
            ),
        tiedRequest ? null : untilAcknowledged(options, running, moves),
      ),
      tied ? untilTieSettles(running) : null,
    );
    const next = await nextEvent(running, wakeAtMs, options.now, wakeOn);
    if (next === 'hedge') {
      // A step may have come in meanwhile: a stall only if the call is still quiet now.
      const stalled =
        (stallAt(running, waiting, started, maxAttempts) ?? Number.POSITIVE_INFINITY) <= options.now();
      const late: boolean = hedgeAtMs !== null && hedgeAtMs <= options.now();
      const [lone] = running;
      const step: LateCallStep =
        stalled || hedgeRefused || !lone || running.size !== 1 || started >= maxAttempts
          ? { kind: late ? 'clock' : 'wait' }
          : lateCallStep(options, lone, late);
      if (!stalled && step.kind === 'wait') {
        clockPassed ||= late;
        continue;
      }
      // A stalled call's copy is outside the budget. A pace hedge denied it waits for the call's
      // next step; a clock hedge denied it never comes, and leaves the call's stall watched.
      if (!stalled && !options.hedge?.allow()) {
        if (step.kind !== 'pace') hedgeRefused = true;
        continue;
      }
      hedged = true;
      if (stalled) stalledCall = lone ?? null;
      // The copy goes where a pick now would send it, as the simulator's `hedge` does: the
      // ranking taken at arrival is a second or more old by now.
      const order = uncalled(
        step.kind === 'pace' ? step.order : lone ? options.ack?.copyTo?.(lone.candidate) : null,
      );
      if (order) waiting.splice(0, waiting.length, ...order);
      await startNext('hedge');
      continue;
    }
    running.delete(next.call);
    if (next.ok) {
      record(options, attempts, next.call, 'ok', { status: 200, code: null, load: next.result.load });
      for (const loser of running)
        abandon(options, attempts, loser, { stalled: loser === stalledCall, tied });
      settleTie();
      return {
        ok: true,
        result: next.result,
        poolId: next.call.candidate.poolId,
        providerId: next.call.candidate.providerId,
        attempts,
      };
    }
    const { error } = next;
    const outcome = attemptOutcome(error);
    record(options, attempts, next.call, outcome, error);
    if (error.status === null && error.workStarted) cancelInBackground(options, next.call);
    lastError = error;
    // A retryable failure waits for a hedged copy still running, else fails over (loop top).
    if (!error.retryable) {
      // A cancel ends the calls still running too: none of them lost to another, nor stalled.
      for (const other of running) {
        if (outcome === 'canceled') leave(options, attempts, other, 'canceled');
        else abandon(options, attempts, other, { stalled: other === stalledCall, tied });
      }
      break;
    }
  }
  settleTie();
  // No call failed: none could start, for want of time, or as every candidate was ejected or backed
  // off since the ranking (a job waits and is routed again; it must not fail as out of time).
  const stop = options.now() >= options.deadlineAt ? 'deadline_exceeded' : 'no_candidates';
  return { ok: false, error: lastError ?? stop, attempts };
}

/**
 * Where the single call in flight, at a position its pool just acknowledged, should move
 * (`AckOptions.moveTo`), or null; each position is judged once.
 */
function rerouteNow(
  options: DispatchOptions,
  running: ReadonlySet<PoolCall>,
  moves: number,
): readonly DispatchCandidate[] | null {
  const moveTo = options.ack?.moveTo;
  if (!moveTo || running.size !== 1) return null;
  const [call] = running;
  if (!call?.ack || call.ack.unjudgedPosition() === null) return null;
  const acknowledged = call.ack.latest();
  if (!acknowledged) return null;
  call.ack.judge();
  const order = moveTo(call.candidate, acknowledged, moves);
  return order && order.length > 0 ? order : null;
}

/** While a re-route may still apply, each event of the single call is a reason to look again. */
function untilAcknowledged(
  options: DispatchOptions,
  running: ReadonlySet<PoolCall>,
  moves: number,
): Promise<void> | null {
  if (!options.ack?.moveTo || moves >= MAX_REROUTES || running.size !== 1) return null;
  const [call] = running;
  return call?.ack?.nextEvent() ?? null;
}

function firstOf(a: Promise<void> | null, b: Promise<void> | null): Promise<void> | null {
  if (a === null) return b;
  return b === null ? a : Promise.race([a, b]);
}

/** When the single call in flight turns late and a hedge could start; null when none applies. */
function hedgeAt(
  options: DispatchOptions,
  running: ReadonlySet<PoolCall>,
  waiting: readonly DispatchCandidate[],
  started: number,
  maxAttempts: number,
): number | null {
  if (!options.hedge || running.size !== 1 || waiting.length === 0 || started >= maxAttempts) return null;
  const [call] = running;
  if (!call) return null;
  const afterMs = options.hedge.afterMs(call.candidate);
  return afterMs === null ? null : call.started + afterMs;
}
