import type { Tier } from '../../shared/index.ts';

/**
 * Each tier's largest predicted slowdown (completion over the same request on an idle pool) the
 * edge admits, unless `TIER_SLOWDOWN_LIMITS` says otherwise. As the fleet fills, free requests are
 * refused first (they would wait behind, or slow down, paid work); paid and enterprise ones
 * queue until they could not start before their deadline. Operators that promise paid latency
 * set a paid limit too (the overload bench runs with `{"free":1.2,"paid":1.4}`).
 */
export const DEFAULT_TIER_SLOWDOWN_LIMITS: Readonly<Partial<Record<Tier, number>>> = { free: 4 };

/** Shortest and longest `Retry-After` a shed request is told, seconds. */
const MIN_RETRY_AFTER_S = 1;
const MAX_RETRY_AFTER_S = 60;

/** Why a request was shed, and when the fleet will have drained enough for it. */
export interface Shed {
  readonly reason: 'tier' | 'deadline';
  readonly retryAfterSeconds: number;
}

/** What the shedding decision reads: the best candidate's prediction and the request's terms. */
export interface ShedInput {
  readonly tier: Tier;
  /** Predicted completion on the best candidate, ms. */
  readonly predictedMs: number;
  /** The same request on that pool idle, ms (`unloadedCompletionMs`). */
  readonly unloadedMs: number;
  /** Ms left before the request's deadline. */
  readonly remainingMs: number;
  readonly slowdownLimits: Readonly<Partial<Record<Tier, number>>>;
}

/**
 * Sheds a request the fleet has no room for at its tier: one that could not start before its
 * deadline (its predicted wait, `predictedMs - unloadedMs`, is longer than what is left), or one
 * whose predicted slowdown is over its tier's limit. `Retry-After` is how long the work ahead
 * takes to drain enough, from the same measured curves that predicted it: never a constant.
 *
 * @example
 * shedDecision({ tier: 'free', predictedMs: 9_000, unloadedMs: 1_000, remainingMs: 60_000, slowdownLimits: { free: 4 } });
 * // { reason: 'tier', retryAfterSeconds: 5 }
 */
export function shedDecision(input: ShedInput): Shed | null {
  const { predictedMs, unloadedMs, remainingMs } = input;
  if (!(predictedMs > 0) || !(unloadedMs > 0)) return null;
  const waitMs = predictedMs - unloadedMs;
  if (waitMs > remainingMs)
    return { reason: 'deadline', retryAfterSeconds: retryAfter(waitMs - remainingMs) };
  const limit = input.slowdownLimits[input.tier];
  if (limit !== undefined && predictedMs > limit * unloadedMs) {
    return { reason: 'tier', retryAfterSeconds: retryAfter(predictedMs - limit * unloadedMs) };
  }
  return null;
}

function retryAfter(excessMs: number): number {
  return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, Math.ceil(excessMs / 1000)));
}
