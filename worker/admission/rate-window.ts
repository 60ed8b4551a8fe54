/** What one rate check decided (GCRA over a sliding window). */
export interface RateCheck {
  readonly allowed: boolean;
  /** The state to keep: the theoretical arrival time, epoch ms (unchanged when refused). */
  readonly tat: number;
  /** Units still allowed now after this check (after taking its cost, when allowed). */
  readonly remaining: number;
  /**
   * Units allowed now before this check takes anything: what is left when the request is refused
   * after all, by this limit or another one.
   */
  readonly untaken: number;
  /** Ms until the whole quota is available again. */
  readonly resetMs: number;
  /** {@link resetMs} before this check takes anything. */
  readonly untakenResetMs: number;
  /**
   * Ms until this request would be allowed; 0 when allowed; null when it costs more than the whole
   * quota, so that no wait admits it.
   */
  readonly retryAfterMs: number | null;
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
  const untaken = remainingAt(start);
  const untakenResetMs = Math.max(0, start - now);
  if (cost > limit || allowAt > now) {
    return {
      allowed: false,
      tat,
      remaining: untaken,
      untaken,
      resetMs: untakenResetMs,
      untakenResetMs,
      // A request larger than the whole quota never fits: a wait of any length would be a false promise.
      retryAfterMs: cost > limit ? null : allowAt - now,
    };
  }
  return {
    allowed: true,
    tat: pushed,
    remaining: remainingAt(pushed),
    untaken,
    resetMs: pushed - now,
    untakenResetMs,
    retryAfterMs: 0,
  };
}

/**
 * The schedule `tat`, kept at `fromLimit` units per window, moved to `toLimit` per window keeping
 * the units it has used: a tenant that used 6 of 6 a minute and is raised to 60 has 54 left, not
 * the 10 that the same time offset means at the new rate. What was used beyond a lowered limit
 * leaves the bucket empty, never in debt past one window (GCRA's own bound).
 *
 * @example
 * rescaledTat(now + 60_000, now, 6, 60, 60_000); // now + 6_000: 6 of 60 used
 */
export function rescaledTat(
  tat: number,
  now: number,
  fromLimit: number,
  toLimit: number,
  windowMs: number,
): number {
  if (fromLimit === toLimit || tat <= now) return tat;
  const used = Math.min(toLimit, ((tat - now) * fromLimit) / windowMs);
  return now + (used * windowMs) / toLimit;
}
