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

/**
 * Share of a tier's slack (`(limit - 1) x unloaded`) a shed request may spend waiting at the edge
 * for a slot (`SlotTurns`): the rest is for its prediction, which is rarely exactly unloaded.
 */
const WAIT_SHARE_OF_SLACK = 0.75;

/**
 * Why a request was shed, when the fleet will have drained enough for it, and how long it may
 * still wait at the edge for a slot to free instead (0: refuse it now).
 */
export interface Shed {
  readonly reason: 'tier' | 'deadline';
  readonly retryAfterSeconds: number;
  readonly maxWaitMs: number;
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
  /** Ms the request already waited at the edge for a slot: part of its slowdown. */
  readonly waitedMs?: number;
}

/**
 * Sheds a request the fleet has no room for at its tier: one that could not start before its
 * deadline (its predicted wait, `predictedMs - unloadedMs`, is longer than what is left), or one
 * whose predicted slowdown (with the time it already waited at the edge) is over its tier's limit.
 * `Retry-After` is how long the work ahead takes to drain enough, from the same measured curves
 * that predicted it: never a constant. A tier shed may first wait for a slot (`maxWaitMs`) for as
 * long as it could then still run unloaded within its limit.
 *
 * @example
 * shedDecision({ tier: 'free', predictedMs: 9_000, unloadedMs: 1_000, remainingMs: 60_000, slowdownLimits: { free: 4 } });
 * // { reason: 'tier', retryAfterSeconds: 5, maxWaitMs: 2_250 }
 */
export function shedDecision(input: ShedInput): Shed | null {
  const { predictedMs, unloadedMs, remainingMs } = input;
  if (!(predictedMs > 0) || !(unloadedMs > 0)) return null;
  const waitMs = predictedMs - unloadedMs;
  if (waitMs > remainingMs)
    return { reason: 'deadline', retryAfterSeconds: retryAfter(waitMs - remainingMs), maxWaitMs: 0 };
  const limit = input.slowdownLimits[input.tier];
  if (limit !== undefined && predictedMs + (input.waitedMs ?? 0) > limit * unloadedMs) {
    return {
      reason: 'tier',
      retryAfterSeconds: retryAfter(predictedMs - limit * unloadedMs),
      maxWaitMs: edgeWaitAllowanceMs(input),
    };
  }
  return null;
}

/**
 * How much longer a request may wait at the edge for a slot: a share of the slack its tier's
 * slowdown limit leaves over its unloaded time, less what it waited already, and no later than
 * it could still start before its deadline; 0 in a tier without a limit.
 */
export function edgeWaitAllowanceMs(input: Omit<ShedInput, 'predictedMs'>): number {
  const limit = input.slowdownLimits[input.tier];
  if (limit === undefined) return 0;
  const slackMs = WAIT_SHARE_OF_SLACK * (limit - 1) * input.unloadedMs - (input.waitedMs ?? 0);
  return Math.max(0, Math.floor(Math.min(slackMs, input.remainingMs - input.unloadedMs) + 1e-6));
}

/** Whole seconds for `Retry-After` from a wait in ms: at least 1, at most 60. */
export function retryAfter(excessMs: number): number {
  return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, Math.ceil(excessMs / 1000)));
}
