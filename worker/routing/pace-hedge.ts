/**
 * Most a fresh pick's prediction may be of what a running request's own pace leaves for a hedge
 * to be sent: the copy must be expected in under half that time. In the simulator (full run,
 * against hedging on the clock alone) the p99 of slowdown over the oracle's went 1.542 -> 1.468 at
 * `work-mixed-curves-rho-0.7`, 1.363 -> 1.278 with 128 isolates and 1.409 -> 1.259 at
 * `work-near-linear-rho-0.7`, with fewer hedges. On single points 0.7 hedged more and was worse at
 * three of four, 0.35 was mixed (`bench/routing/README.md`).
 */
export const PACE_HEDGE_MARGIN = 0.5;

/**
 * A hedge check of a running request is due this share of its prediction after the send, and
 * again every this share (at least every `PACE_CHECK_MIN_MS`): in the simulator, where the Worker
 * looks again at each of the pool's step events.
 */
export const PACE_CHECK_SHARE = { first: 0.5, every: 0.25 } as const;
/** Least ms between two pace checks (gpu-node writes a step event at most every 100 ms). */
export const PACE_CHECK_MIN_MS = 100;

/** What a running request's own step events say about it. */
export interface RunningPace {
  /** Ms since the request was sent to the pool. */
  readonly elapsedMs: number;
  /** Steps left at the pace of its latest steps, ms (`projectedRemainingMs`). */
  readonly projectedRemainingMs: number;
  /** Its prediction on the pool when it was picked. */
  readonly predictedMs: number;
}

/**
 * What is left of a running request at its own pace: its steps left times the time its latest
 * steps took each, less what has passed since the latest one; null before two step events. The
 * pace is the batch's as it is now: a request that a big batch joined after it started steps at
 * that batch's pace, which no snapshot taken before could show.
 *
 * @example
 * projectedRemainingMs({ step: 10, steps: 50, msPerStep: 120, sinceLastStepMs: 30 }); // 4770
 */
export function projectedRemainingMs(reading: {
  readonly step: number;
  readonly steps: number;
  readonly msPerStep: number;
  readonly sinceLastStepMs: number;
}): number {
  return Math.max(0, (reading.steps - reading.step) * reading.msPerStep - reading.sinceLastStepMs);
}

/**
 * Whether a running request is late by its own pace: the steps it has left, at the pace of its
 * latest, take it past `hedgeAfterMs` after its send (its hedge delay, `hedgeDelayMs`: 2x its
 * prediction, at least +300 ms). Late this way, it need not wait for the clock to say so.
 */
export function lateByPace(pace: RunningPace, hedgeAfterMs: number): boolean {
  return pace.elapsedMs + pace.projectedRemainingMs >= hedgeAfterMs;
}

/**
 * Whether a late running request is worth a hedge: a fresh pick elsewhere (`alternativeMs`, its
 * prediction there, round trip included) is expected to finish it in under `PACE_HEDGE_MARGIN` of
 * what its own pace leaves where it runs. A late request that is about to finish, or whose
 * alternative is no quicker, keeps the hedge budget for one that needs it.
 *
 * @example
 * worthHedging({ elapsedMs: 900, projectedRemainingMs: 4_000, predictedMs: 450 }, 600); // true
 */
export function worthHedging(pace: RunningPace, alternativeMs: number): boolean {
  return alternativeMs < PACE_HEDGE_MARGIN * pace.projectedRemainingMs;
}
