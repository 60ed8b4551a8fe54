/** When to send a second copy of a request that is late or stuck. */
export interface HedgePolicy {
  /** A request is late once it has run this many times its prediction... */
  readonly afterFactor: number;
  /** ...and at least this many ms past it. */
  readonly minExtraMs: number;
  /** Late-request hedges may be at most this share of requests sent. */
  readonly maxShare: number;
}

/**
 * Defaults: hedge at 2x the prediction (at least +300 ms, about a cross-region round trip and a
 * margin, so a request predicted in a few tens of ms is not hedged on jitter), at most 10% extra
 * requests. The floor was 1 s while every request was a typical job; with requests that finish in
 * 100 ms, 1 s kept a small one stuck beside a big batch for 10x its time before a second copy
 * (simulator, mixed sizes: p99 over the oracle 1.26 -> 1.23 sublinear rho 0.7, 1.33 -> 1.30 mixed
 * curves, 1.18 -> 1.15 near-linear rho 0.7; the uniform points unchanged).
 *
 * The share was 5%. With the pace hedge (`worthHedging`) a copy goes only where a fresh pick is
 * expected in under half what the running one's pace leaves, so the budget is spent on small
 * requests a big batch joined; at 5% an isolate ran out of it at rho 0.7. At 10%, over the 15 work
 * points of the simulator: copies 3.1% -> 5.7% of requests at `work-near-linear-rho-0.7`, the p99
 * of slowdown over the oracle's better at 11 (there 1.316 -> 1.127; worst 1.316 -> 1.278), p99
 * about even (geometric mean 1.076 -> 1.078, worst 1.152 -> 1.157). 15% was no better (worst
 * 1.173 / 1.300 on 12 points). See `bench/routing/README.md`.
 */
export const defaultHedgePolicy: HedgePolicy = { afterFactor: 2, minExtraMs: 300, maxShare: 0.1 };

/** Requests and hedges this isolate sent (a sliding window or since start). */
export interface HedgeBudget {
  readonly requests: number;
  readonly hedges: number;
}

/** What to do about one request in flight. */
export type HedgeDecision =
  | { readonly kind: 'wait'; readonly checkAt: number }
  | { readonly kind: 'hedge'; readonly reason: 'stalled' | 'late' }
  | { readonly kind: 'none' };

/** Facts about one request in flight. */
export interface InFlightRequest {
  readonly sentAt: number;
  /**
   * The request's own prediction on the pool when it was picked (`ScoredPool.predictedMs`: its
   * work behind the pool's, on the pool's curve, round trip included).
   */
  readonly predictedMs: number;
  /** `isStalled` for its pool, now. */
  readonly poolStalled: boolean;
  /** Whether this request was already hedged (one copy at most). */
  readonly hedged: boolean;
}

/**
 * Ms after the send at which a request counts as late, from the request's own prediction
 * (`predictedMs`: its work on the pool's curve, so a 50-step 1024 px request is not hedged on the
 * clock of a typical job). Service times on a pool are steady (fixed steps), so 2x the prediction
 * is far in the tail of a healthy pool but well short of the 10x of a slowed one.
 */
export function hedgeDelayMs(predictedMs: number, policy: HedgePolicy = defaultHedgePolicy): number {
  return Math.max(predictedMs * policy.afterFactor, predictedMs + policy.minExtraMs);
}

/** Whether one more late-request hedge fits in the budget (one is always allowed to start). */
export function mayHedge(budget: HedgeBudget, policy: HedgePolicy = defaultHedgePolicy): boolean {
  return budget.hedges + 1 <= Math.max(1, policy.maxShare * budget.requests);
}

/**
 * Decides whether to send a second copy of a request to the next-best pool (the caller cancels
 * whichever copy loses). A request on a stalled pool is re-sent at once and outside the budget:
 * it is a failover, the original may never finish. A late one is hedged within the budget, so
 * hedging cannot add more than `maxShare` load when the whole fleet is slow. Ejecting only after
 * a timeout leaves every job of a stalled pool waiting for the timeout (about 2x the oracle's p99,
 * issue 4).
 *
 * @example
 * hedgeDecision({ sentAt, predictedMs, poolStalled: false, hedged: false }, budget, now);
 */
export function hedgeDecision(
  request: InFlightRequest,
  budget: HedgeBudget,
  now: number,
  policy: HedgePolicy = defaultHedgePolicy,
): HedgeDecision {
  if (request.hedged) return { kind: 'none' };
  if (request.poolStalled) return { kind: 'hedge', reason: 'stalled' };
  const lateAt = request.sentAt + hedgeDelayMs(request.predictedMs, policy);
  if (now < lateAt) return { kind: 'wait', checkAt: lateAt };
  return mayHedge(budget, policy) ? { kind: 'hedge', reason: 'late' } : { kind: 'none' };
}
