import type { BackendCall } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';

/** The most `deadline_ms` a request may carry (shared request schema). */
const MAX_DEADLINE_MS = 3_600_000;

/** How long one caller listens, and why it would stop. */
export interface CallerLimits {
  /** The call's deadline in whole ms. */
  readonly budgetMs: number;
  /** Ms this caller waits; the smaller of its budget and the adapter's request timeout. */
  readonly timeoutMs: number;
  /** True when `timeoutMs` is the adapter's request timeout rather than the deadline. */
  readonly capped: boolean;
}

/**
 * The call's budget in ms, or a `deadline_exceeded` error (nothing sent, nothing started) when
 * none is left. `requestTimeoutMs` caps how long the caller listens below the deadline.
 */
export function callerLimits(call: BackendCall, requestTimeoutMs: number | undefined): CallerLimits {
  if (!(call.deadlineMs > 0)) {
    throw new BackendCallError({
      message: 'no time left for this call; nothing was sent',
      status: null,
      code: 'deadline_exceeded',
      retryable: false,
      workStarted: false,
    });
  }
  const budgetMs = Math.min(MAX_DEADLINE_MS, Math.ceil(call.deadlineMs));
  const timeoutMs = Math.min(budgetMs, requestTimeoutMs ?? budgetMs);
  return { budgetMs, timeoutMs, capped: timeoutMs < budgetMs };
}
