/** Backoff settings: full jitter, `random(0, min(retryCapMs, retryBaseMs * 2^attempt))`. */
export interface BackoffOptions {
  retryBaseMs: number;
  retryCapMs: number;
  random: () => number;
}

/**
 * Full-jitter delay before retry number `attempt` (0-based), AWS Builders' Library style: spreads
 * retries of many clients instead of synchronising them.
 */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  return Math.floor(options.random() * Math.min(options.retryCapMs, options.retryBaseMs * 2 ** attempt));
}

/**
 * `Retry-After` as seconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); null if absent
 * or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, (date - now) / 1000);
}

/**
 * Whether a failed status is worth retrying: 408, 429 and 5xx other than 501/505 (the shared
 * error catalog's timeout, rate-limit, overload and upstream errors). 409 only with `Retry-After`:
 * that is the idempotency draft's "still processing"; other conflicts will not resolve by waiting.
 */
export function isRetryableStatus(status: number, hasRetryAfter: boolean): boolean {
  if (status === 408 || status === 429) return true;
  if (status === 409) return hasRetryAfter;
  return status >= 500 && status !== 501 && status !== 505;
}
