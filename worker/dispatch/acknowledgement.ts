import type { IsolateObservations } from '../fleet/local-observations.ts';
import {
  acknowledgedRemainingMs,
  expectedCompletionMs,
  type FleetIndex,
  type RoutingRequest,
  requestCost,
  shouldReroute,
} from '../routing/index.ts';
import type { AckOptions, DispatchCandidate } from './dispatch-types.ts';

/** What the acknowledgement policy reads: the decision's index and request, and the isolate. */
export interface AcknowledgementContext {
  readonly index: FleetIndex;
  readonly request: RoutingRequest;
  readonly observations: IsolateObservations;
  readonly now: () => number;
  /** When the request was routed (epoch ms): its objective counts from then. */
  readonly routedAt: number;
  /** Headroom on a prediction before it meets an objective (`RoutingPolicy.spillMargin`). */
  readonly spillMargin?: number | undefined;
}

/**
 * What the Worker does with the events of its streamed pool calls, as the simulator's `edge`
 * policy does (bench/routing/edge-reactions.ts):
 * - every event is progress on the pool (`isStalled` reads it), and the gaps between one call's
 *   events are the pool's pace (a stall is silence past several of them);
 * - the first event's delay is the pool's round trip (`networkMs` in scoring);
 * - a call the pool acknowledged behind a queue moves to the next candidate before it starts
 *   when that one is expected to finish it sooner by a margin (`shouldReroute`): the queue is
 *   priced on the pool's own curve and mix (`acknowledgedRemainingMs`), the alternative is
 *   scored afresh as at the pick.
 *
 * @example
 * const ack = acknowledgementPolicy({ index, request: routingRequest, observations, now: Date.now });
 */
export function acknowledgementPolicy(context: AcknowledgementContext): AckOptions {
  const { index, request, observations } = context;
  const poolOf = (poolId: string) => {
    const position = index.fleet.positions.get(poolId);
    return position === undefined ? undefined : index.pools[position];
  };
  return {
    onPoolProgress: (poolId, now) => observations.noteProgress(poolId, now),
    onRoundTrip: (poolId, ms) => observations.noteRoundTrip(poolId, ms),
    onEventGap: (poolId, ms) => observations.noteEventGap(poolId, ms),
    shouldMove: (candidate: DispatchCandidate, position: number, next: DispatchCandidate, moves: number) => {
      const pool = poolOf(candidate.poolId);
      const alternative = poolOf(next.poolId);
      // Position 0: the request is next for a slot (or already in the batch); nothing to gain.
      if (!pool || !alternative || position <= 0) return false;
      const returnTripMs = (observations.networkMs.get(pool.poolId) ?? 0) / 2;
      // A queue at the pool means its batch is full: the images ahead are the queue plus every slot.
      const images = position + Math.max(1, pool.slots);
      const remainingMs = acknowledgedRemainingMs(pool, request, { images }, index.fleet, returnTripMs);
      const alternativeMs = expectedCompletionMs(
        alternative,
        request,
        observations,
        index.fleet,
        context.now(),
      );
      // Spill by cost: a request that would still meet what is left of its objective where it
      // waits does not move to a pricier pool.
      const { objectiveMs } = request;
      return shouldReroute({
        queued: true,
        moves,
        remainingMs,
        alternativeMs,
        objectiveMs: objectiveMs === undefined ? undefined : objectiveMs - (context.now() - context.routedAt),
        cost: requestCost(pool, request),
        alternativeCost: requestCost(alternative, request),
        spillMargin: context.spillMargin,
      });
    },
  };
}
