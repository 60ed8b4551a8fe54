/** What one rate check decided (GCRA over a sliding window). */
export interface RateCheck {
  readonly allowed: boolean;
  /** The state to keep: the theoretical arrival time, epoch ms (unchanged when refused). */
  readonly tat: number;
  /** Units still allowed now after this check. */
  readonly remaining: number;
  /** Ms until the whole quota is available again. */
  readonly resetMs: number;
  /** Ms until this request would be allowed; 0 when allowed. */
  readonly retryAfterMs: number;
}

/**
 * The generic cell rate algorithm (ITU-T I.371's virtual scheduling) for `limit` units per
 * `windowMs`: a token bucket holding the whole quota, refilled at `limit` per window, kept as one
 * number. A request of `cost` units is allowed when the quota's emission schedule, pushed by its
 * cost, stays within one window of now. So a quiet tenant may burst its whole quota at once, and
 * over any span gets at most the quota plus that span's refill.
 *
 * @example
 * let tat = 0;
 * const check = gcra(tat, Date.now(), 1, 60, 60_000); // 60 per minute
 * if (check.allowed) tat = check.tat;
 */
export function gcra(tat: number, now: number, cost: number, limit: number, windowMs: number): RateCheck {
  const interval = windowMs / limit;
  const start = Math.max(tat, now);
  const remainingAt = (schedule: number) =>
    Math.max(0, Math.floor((windowMs - (schedule - now)) / interval + 1e-9));
  const pushed = start + cost * interval;
  const allowAt = pushed - windowMs;
  if (cost > limit || allowAt > now) {
    return {
      allowed: false,
      tat,
      remaining: remainingAt(start),
      resetMs: Math.max(0, start - now),
      // A request larger than the whole quota never fits: wait for a full window, then it still does not.
      retryAfterMs: cost > limit ? windowMs : allowAt - now,
    };
  }
  return {
    allowed: true,
    tat: pushed,
    remaining: remainingAt(pushed),
    resetMs: pushed - now,
    retryAfterMs: 0,
  };
}
