/**
 * Full-jitter exponential backoff (AWS Builders' Library): a uniformly random delay in
 * `[0, min(capMs, baseMs * 2^attempt))`, so retries of many jobs spread out instead of arriving
 * in waves. `attempt` counts from 0 for the first retry.
 *
 * @example
 * const delayMs = fullJitterDelay(attempt, { baseMs: 1_000, capMs: 60_000 });
 */
export function fullJitterDelay(
  attempt: number,
  options: { readonly baseMs: number; readonly capMs: number; readonly random?: () => number },
): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt));
  return Math.floor((options.random ?? Math.random)() * ceiling);
}
