import { hedgeDelayMs } from '../routing/index.ts';
import type { DispatchCandidate, DispatchObserver } from './dispatch-types.ts';
import type { RetryBudget } from './retry-budget.ts';

/**
 * A call far past its prediction (a stalled or slowed pool) gets a copy on the next pool, within
 * the hedge budget; the loser is cancelled (docs/routing.md). `predictedMs` is this request's own
 * (its work on that pool's curve), so a big request is not hedged on a small one's clock.
 */
export function hedgeFor(budget: RetryBudget) {
  return {
    afterMs: (candidate: DispatchCandidate) =>
      candidate.predictedMs === undefined ? null : hedgeDelayMs(candidate.predictedMs),
    allow: () => budget.spend(),
  };
}

/** The tier's latency objective as a routing request field, when the tier has one. */
export function objectiveField(objectiveMs: number | undefined): { objectiveMs?: number } {
  return objectiveMs === undefined ? {} : { objectiveMs };
}

/** A fresh child `traceparent` per pool call, when the request is traced. */
export function traceparentOf(observe: DispatchObserver | undefined): { traceparentFor?: () => string } {
  return observe ? { traceparentFor: () => observe.childTraceparent() } : {};
}
