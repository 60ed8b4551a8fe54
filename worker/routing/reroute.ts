import type { FleetContext } from './expected-completion.ts';
import type { PoolView, RoutingRequest } from './fleet-view.ts';
import { imageWorkOf } from './pool-load.ts';
import { speedOf } from './pool-speed.ts';
import { spillAllowsMove } from './spill.ts';
import { requestOnPool, requestShape, serviceMs } from './work-model.ts';

/** How much sooner the alternative must finish before a queued request moves (share of the wait). */
export const REROUTE_MARGIN = 0.1;

/**
 * Most moves per request. A second move catches the request whose first move landed in a queue
 * too (bursty arrivals: p99 over the oracle 1.17 -> 1.14 at rho 0.5 in the simulator); more
 * buy nothing and spend a round trip each.
 */
export const MAX_REROUTES = 2;

/** What the pool's acknowledgement says is in front of the request. */
export interface AcknowledgedAhead {
  /**
   * Images queued or running in front of it, the batch included: the `queued` event's position
   * plus the images running (its load headers on the acknowledging response).
   */
  readonly images: number;
}

/**
 * Expected ms until a request the pool just acknowledged finishes: the request's own work behind
 * the exact images ahead, on the pool's curve and mix (`serviceMs`), plus the trip back.
 *
 * @example
 * const index = fleetIndexOf(snapshot, model, policy);
 * acknowledgedRemainingMs(pool, request, { images: 12 }, index.fleet, 10);
 */
export function acknowledgedRemainingMs(
  pool: PoolView,
  request: RoutingRequest,
  ahead: AcknowledgedAhead,
  fleet: FleetContext,
  returnTripMs: number,
): number {
  const position = fleet.positions.get(pool.poolId);
  const speed = (position === undefined ? undefined : fleet.speeds[position]) ?? speedOf(pool, fleet);
  const split = imageWorkOf(pool, fleet.typical, fleet.waitingImageWork);
  return (
    returnTripMs +
    serviceMs(
      speed,
      {
        images: ahead.images,
        perWaitingImage: split.perWaitingImage,
        imageMegapixels: split.imageMegapixels,
      },
      requestShape(requestOnPool(request, pool), fleet.typical),
      fleet.typical,
    )
  );
}

/**
 * Whether to cancel a request that is still queued and send it to `alternativeMs`'s pool.
 *
 * The snapshot a pool was picked from may be a second old; the pool's acknowledgement (its
 * `queued` event with the position) is exact. When it shows the pool far busier than the pick
 * assumed, moving a request that has not started yet costs one round trip and no GPU time: a
 * late, one-pool second look that removes most of the error staleness causes. Only queued
 * requests move, at most `MAX_REROUTES` times and each time to a pool that must beat the wait by
 * `REROUTE_MARGIN`, so nothing ping-pongs. With an objective, a request waiting where it is
 * predicted to meet it does not move to a pricier pool (`spillAllowsMove`).
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
  /** The request's objective, ms from now (absent: none; see `spill.ts`). */
  readonly objectiveMs?: number | undefined;
  /** The request's cost where it waits and at the alternative, USD (`requestCost`). */
  readonly cost?: number | undefined;
  readonly alternativeCost?: number | undefined;
  /** Default `SPILL_MARGIN`. */
  readonly spillMargin?: number | undefined;
}): boolean {
  if (!request.queued || request.moves >= MAX_REROUTES) return false;
  if (!spillAllowsMove(request)) return false;
  return request.alternativeMs < request.remainingMs * (1 - REROUTE_MARGIN);
}
