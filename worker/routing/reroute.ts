import type { PoolView } from './fleet-view.ts';
import { serviceMs } from './scoring.ts';

/** How much sooner the alternative must finish before a queued request moves (share of the wait). */
export const REROUTE_MARGIN = 0.1;

/**
 * Most moves per request. A second move catches the request whose first move landed in a queue
 * too (bursty arrivals: p99 over the oracle 1.17 -> 1.14 at rho 0.5 in the simulator); more
 * buy nothing and spend a round trip each.
 */
export const MAX_REROUTES = 2;

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
 * requests move, at most `MAX_REROUTES` times and each time to a pool that must beat the wait by
 * `REROUTE_MARGIN`, so nothing ping-pongs.
 *
 * @example
 * shouldReroute({ queued: true, moves: 0, remainingMs: 2_600, alternativeMs: 1_700 }); // true
 */
export function shouldReroute(request: {
  readonly queued: boolean;
  /** Times this request has moved already. */
  readonly moves: number;
  readonly remainingMs: number;
  readonly alternativeMs: number;
}): boolean {
  if (!request.queued || request.moves >= MAX_REROUTES) return false;
  return request.alternativeMs < request.remainingMs * (1 - REROUTE_MARGIN);
}
