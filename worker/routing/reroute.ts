import type { SlotWait } from '../../shared/slot-wait.ts';
import { type FleetContext, poolFigures } from './expected-completion.ts';
import type { PoolView, RoutingRequest } from './fleet-view.ts';
import { spillAllowsMove } from './spill.ts';
import { curveStepMs, requestOnPool, requestShape, serviceMs } from './work-model.ts';

/** How much sooner the alternative must finish before a queued request moves (share of the wait). */
export const REROUTE_MARGIN = 0.1;

/**
 * How much sooner the alternative must finish before a request that already has its slots moves
 * (share of its time where it runs). A move throws away the steps it ran (a round trip's worth)
 * and is priced on the same stale snapshot as the pick, so it must win by more than a queued
 * request's move. In the simulator 0.3 beat 0.5 and 0.65 (moves on the figures' noise: worse
 * slowdown) and 0.15 (the uniform grid's worst point over its target): bench/routing/README.md.
 */
export const STARTED_REROUTE_MARGIN = 0.3;

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
  const { speed, split } = poolFigures(pool, fleet);
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
 * Expected ms until a request the pool just put straight into a batch of `batchMegapixels`
 * (its own images included) finishes: its steps at that batch's step time on the pool's curve,
 * plus the trip back.
 *
 * The snapshot a pool was picked from may be a second old; the batch the acknowledgement names is
 * exact. A small image that joins a batch of large ones steps at their pace, many times its own
 * time (on a near-linear curve), which no snapshot could have shown: the pool was free of a queue
 * when the request was routed, and its batch filled up since.
 *
 * @example
 * startedRemainingMs(pool, request, 3.1, index.fleet, 10);
 */
export function startedRemainingMs(
  pool: PoolView,
  request: RoutingRequest,
  batchMegapixels: number,
  fleet: FleetContext,
  returnTripMs: number,
): number {
  const { speed } = poolFigures(pool, fleet);
  const shape = requestShape(requestOnPool(request, pool), fleet.typical);
  const own = Math.min(shape.images, speed.slots) * shape.imageMegapixels;
  // Read within what the pool measured: past its largest batch, the curve assumes no batching
  // gain, which keeps a pick from crowding a pool but would move a request on a guess.
  const measured = speed.curve.at(-1)?.batch_megapixels ?? batchMegapixels;
  const batch = Math.max(own, Math.min(batchMegapixels, measured));
  return returnTripMs + shape.steps * curveStepMs(speed, batch);
}

/**
 * Expected ms until a request waiting in a pool's queue finishes, where the pool says when it will
 * get a slot: that wait, then its steps in the batch running now (`startedRemainingMs`), plus the
 * trip back. The pool knows what a position cannot say: how long the images ahead hold their
 * slots. Four 50-step images running and a 4-step one next make the same position as four 4-step
 * ones, with a wait twelve times as long.
 *
 * @example
 * queuedRemainingMs(pool, request, { startInMs: 1_200, batchMegapixels: 1.05 }, index.fleet, 10);
 */
export function queuedRemainingMs(
  pool: PoolView,
  request: RoutingRequest,
  wait: SlotWait,
  fleet: FleetContext,
  returnTripMs: number,
): number {
  return wait.startInMs + startedRemainingMs(pool, request, wait.batchMegapixels, fleet, returnTripMs);
}

/**
 * Whether an acknowledgement is worth a fresh pick: a queued request's always is (its queue is
 * exact now); a request put straight into a batch only when that batch makes it far slower than
 * the pick predicted for it there (by `STARTED_REROUTE_MARGIN`). Otherwise the acknowledgement
 * says nothing the pick did not know (a batch as heavy as expected, a slow pool picked for its
 * short queue) and a move would only second-guess the pick on the same figures.
 *
 * @example
 * worthRepicking({ started: true, remainingMs: 2_600, predictedMs: 900 }); // true
 */
export function worthRepicking(request: {
  readonly started: boolean;
  /** Its time where it is, without the trip back (`startedRemainingMs` less the return trip). */
  readonly remainingMs: number;
  /** What the pick predicted for it on this pool, ms; unknown: judged on the alternative alone. */
  readonly predictedMs?: number | undefined;
}): boolean {
  if (!request.started || request.predictedMs === undefined) return true;
  return request.predictedMs < request.remainingMs * (1 - STARTED_REROUTE_MARGIN);
}

/**
 * Whether to cancel a request its pool just acknowledged and send it to `alternativeMs`'s pool.
 *
 * The snapshot a pool was picked from may be a second old; the pool's acknowledgement (its
 * `queued` event with the position, or the batch it joined) is exact. When it shows the pool far
 * busier than the pick assumed, moving a request that has not started yet costs one round trip
 * and no GPU time: a late, one-pool second look that removes most of the error staleness causes.
 * A queued request moves when the alternative beats its wait by `REROUTE_MARGIN`; one that went
 * straight into a batch (`started`: the acknowledgement names the batch) when the alternative
 * beats its time there by `STARTED_REROUTE_MARGIN` and that pool is predicted to run it within
 * `1 / (1 - margin)` of its unloaded time (room, not another full batch); a request judged later,
 * once it has run steps, never. At most `MAX_REROUTES` moves, each to a pool that must win by the margin, so
 * nothing ping-pongs. With an objective, a request waiting where it is predicted to meet it does
 * not move to a pricier pool (`spillAllowsMove`).
 *
 * @example
 * shouldReroute({ started: false, moves: 0, remainingMs: 2_600, alternativeMs: 1_700 }); // true
 * shouldReroute({ started: true, moves: 0, remainingMs: 2_600, alternativeMs: 1_700 }); // true
 */
export function shouldReroute(request: {
  /** The acknowledgement put it straight into a batch (else it queued). */
  readonly started: boolean;
  /** Times this request has moved already. */
  readonly moves: number;
  readonly remainingMs: number;
  readonly alternativeMs: number;
  /**
   * What the request would take on the alternative with nothing ahead of it, ms
   * (`unloadedCompletionMs`): a started request moves only to a pool predicted to run it near that.
   */
  readonly alternativeUnloadedMs?: number | undefined;
  /** The request's objective, ms from now (absent: none; see `spill.ts`). */
  readonly objectiveMs?: number | undefined;
  /** The request's cost where it waits and at the alternative, USD (`requestCost`). */
  readonly cost?: number | undefined;
  readonly alternativeCost?: number | undefined;
  /** Default `SPILL_MARGIN`. */
  readonly spillMargin?: number | undefined;
}): boolean {
  if (request.moves >= MAX_REROUTES) return false;
  if (!spillAllowsMove(request)) return false;
  const margin = request.started ? STARTED_REROUTE_MARGIN : REROUTE_MARGIN;
  // A started request gives up its batch only for room to run near its own pace: when every pool
  // is full (overload), moving it only throws its steps away and crowds the next pool.
  const room =
    !request.started ||
    request.alternativeUnloadedMs === undefined ||
    request.alternativeMs * (1 - STARTED_REROUTE_MARGIN) < request.alternativeUnloadedMs;
  return room && request.alternativeMs < request.remainingMs * (1 - margin);
}
