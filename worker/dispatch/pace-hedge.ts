import { lateByPace, projectedRemainingMs, type RunningPace } from '../routing/index.ts';
import type { DispatchCandidate, DispatchOptions } from './dispatch-types.ts';
import type { PoolCall } from './pool-call.ts';

/** What to do about a lone running call that may be late. */
export type LateCallStep =
  /** Not late; or late by the clock, but its own pace says a copy is not worth it now. */
  | { readonly kind: 'wait' }
  /** Late by the clock, with no pace to judge by: a copy, as before (`ack.copyTo`'s pick). */
  | { readonly kind: 'clock' }
  /** Late by the clock or by its pace, and a fresh pick worth a copy: these pools, first first. */
  | { readonly kind: 'pace'; readonly order: readonly DispatchCandidate[] };

/**
 * The pace hedge (the simulator's `bench/routing/pace-reactions.ts`): a call whose step events
 * give its pace is late as soon as that pace takes it past its hedge delay, and it gets a copy
 * only on a fresh pick expected to finish it in under half what the pace leaves (`ack.hedgeTo`).
 * A call without a pace yet (queued, or one step in) is judged by the clock alone.
 */
export function lateCallStep(options: DispatchOptions, call: PoolCall, clockLate: boolean): LateCallStep {
  const afterMs = options.hedge?.afterMs(call.candidate) ?? null;
  const pace = options.ack?.hedgeTo && afterMs !== null ? runningPaceOf(call, options.now()) : null;
  if (!pace || afterMs === null) return clockLate ? { kind: 'clock' } : { kind: 'wait' };
  if (!clockLate && !lateByPace(pace, afterMs)) return { kind: 'wait' };
  const order = options.ack?.hedgeTo?.(call.candidate, pace) ?? null;
  return order && order.length > 0 ? { kind: 'pace', order } : { kind: 'wait' };
}

/** Whether a lone running call may still get a pace hedge: its steps are then worth watching. */
export function pacesHedge(options: DispatchOptions, started: number, maxAttempts: number): boolean {
  return options.hedge !== undefined && options.ack?.hedgeTo !== undefined && started < maxAttempts;
}

function runningPaceOf(call: PoolCall, now: number): RunningPace | null {
  const reading = call.steps?.pace(now);
  const { predictedMs } = call.candidate;
  if (!reading || predictedMs === undefined) return null;
  return { elapsedMs: now - call.started, projectedRemainingMs: projectedRemainingMs(reading), predictedMs };
}
