import type { PoolView } from './fleet-view.ts';
import { serviceMs } from './scoring.ts';

/** How much sooner the alternative must finish before a queued request moves (share of the wait). */
export const REROUTE_MARGIN = 0.1;

/**
 * Expected ms until a request the pool just acknowledged finishes, from the exact figures on
 * the acknowledgement (`ahead`: images queued or running in front of it, including the batch).
 */
export function acknowledgedRemainingMs(
  pool: PoolView,
  ahead: number,
  fallbackJobMs: number,
  returnTripMs: number,
): number {
  return returnTripMs + serviceMs(ahead, 1, Math.max(1, pool.slots), pool.jobMs ?? fallbackJobMs);
}

/**
 * Whether to cancel a request that is still queued and send it to `alternativeMs`'s pool.
 *
 * The snapshot a pool was picked from may be a second old; the pool's acknowledgement (its
 * `queued` event with the position) is exact. When it shows the pool far busier than the pick
 * assumed, moving a request that has not started yet costs one round trip and no GPU time: a
 * late, one-pool second look that removes most of the error staleness causes. Only queued
 * requests move, and only once, so nothing ping-pongs.
 *
 * @example
 * shouldReroute({ queued: true, rerouted: false, remainingMs: 2_600, alternativeMs: 1_700 }); // true
 */
export function shouldReroute(request: {
  readonly queued: boolean;
  readonly rerouted: boolean;
  readonly remainingMs: number;
  readonly alternativeMs: number;
}): boolean {
  if (!request.queued || request.rerouted) return false;
  return request.alternativeMs < request.remainingMs * (1 - REROUTE_MARGIN);
}
