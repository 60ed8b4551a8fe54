/** Longest long-poll we honour, in seconds (Replicate caps `Prefer: wait` at 60 too). */
export const MAX_WAIT_SECONDS = 60;

/**
 * Reads `wait=N` from a `Prefer` header (RFC 7240: comma-separated preferences, parameters after
 * `;`). Returns the seconds to wait, capped at {@link MAX_WAIT_SECONDS}, or null when the client
 * asked for no wait (or sent a malformed one, which RFC 7240 says to ignore).
 *
 * @example
 * preferredWaitSeconds('respond-async, wait=30'); // 30
 */
export function preferredWaitSeconds(prefer: string | undefined): number | null {
  if (prefer === undefined) return null;
  for (const preference of prefer.split(',')) {
    const [token = ''] = preference.split(';');
    const match = /^\s*wait\s*=\s*"?(\d{1,6})"?\s*$/i.exec(token);
    if (match?.[1] !== undefined) return Math.min(Number(match[1]), MAX_WAIT_SECONDS);
  }
  return null;
}
