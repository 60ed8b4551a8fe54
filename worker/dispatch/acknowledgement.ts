import type { IsolateObservations } from '../fleet/local-observations.ts';
import {
  acknowledgedRemainingMs,
  type FleetIndex,
  type PoolView,
  queuedRemainingMs,
  type RoutingRequest,
  requestCost,
  shouldReroute,
  startedRemainingMs,
  unloadedCompletionMs,
  worthHedging,
  worthRepicking,
} from '../routing/index.ts';
import type { AckOptions, DispatchCandidate, PoolAcknowledgement } from './dispatch-types.ts';

/** What the acknowledgement policy reads: the decision's index and request, and the isolate. */
export interface AcknowledgementContext {
  readonly index: FleetIndex;
  readonly request: RoutingRequest;
  readonly observations: IsolateObservations;
  readonly now: () => number;
  /** When the request was routed (epoch ms): its objective counts from then. */
  readonly routedAt: number;
  /**
   * A fresh pick for the request without `leaving`, as the dispatcher would call the pools (each
   * with its `predictedMs`), best first: routing's `pickPools` on the isolate's observations now.
   */
  readonly repick: (leaving: string) => readonly DispatchCandidate[];
  /** Headroom on a prediction before it meets an objective (`RoutingPolicy.spillMargin`). */
  readonly spillMargin?: number | undefined;
}

/**
 * What the Worker does with the events of its streamed pool calls, as the simulator's `edge`
 * policy does (bench/routing/edge-reactions.ts):
 * - every event is progress on the pool (`isStalled` reads it), and the gaps between one call's
 *   events are the pool's pace (a stall is silence past several of them);
 * - the first event's delay is the pool's round trip (`networkMs` in scoring);
 * - a call the pool acknowledged behind a queue moves before it starts when a fresh pick
 *   (`repick`, which sees what this isolate sent and heard since) is expected to finish it sooner
 *   by a margin (`shouldReroute`): the queue is priced on the pool's own curve and mix
 *   (`acknowledgedRemainingMs`); a call that went straight into a batch far heavier than the pick
 *   assumed moves by a larger margin, priced at that batch's step time (`startedRemainingMs`);
 * - a running call whose own pace makes it late gets its hedge on a fresh pick expected to finish
 *   it in under half what that pace leaves (`hedgeTo`, `worthHedging`);
 * - a call late by the clock, or stalled, gets its copy on a fresh pick too (`copyTo`).
 *
 * @example
 * const ack = acknowledgementPolicy({ index, request: routingRequest, observations,
 *   now: Date.now, routedAt: Date.now(),
 *   repick: (leaving) => candidates.filter((candidate) => candidate.poolId !== leaving) });
 */
export function acknowledgementPolicy(context: AcknowledgementContext): AckOptions {
  const { index, request, observations } = context;
  const poolOf = (poolId: string) => {
    const position = index.fleet.positions.get(poolId);
    return position === undefined ? undefined : index.pools[position];
  };
  // What is left of the request on the candidate's pool as its acknowledgement says, and of
  // that the trip back.
  const remainingOn = (pool: PoolView, acknowledged: PoolAcknowledgement) => {
    const { position, batchMegapixels, startInMs } = acknowledged;
    const returnTripMs = (observations.networkMs.get(pool.poolId) ?? 0) / 2;
    // A queue at the pool means its batch is full: the images ahead are the queue plus every slot.
    const images = position + Math.max(1, pool.slots);
    const remainingMs =
      startInMs !== undefined && batchMegapixels !== undefined
        ? queuedRemainingMs(pool, request, { startInMs, batchMegapixels }, index.fleet, returnTripMs)
        : startedAt(acknowledged) && batchMegapixels !== undefined
          ? startedRemainingMs(pool, request, batchMegapixels, index.fleet, returnTripMs)
          : acknowledgedRemainingMs(pool, request, { images }, index.fleet, returnTripMs);
    return { remainingMs, returnTripMs };
  };
  const copyTo = (candidate: DispatchCandidate) => context.repick(candidate.poolId);
  return {
    onPoolProgress: (poolId, now) => observations.noteProgress(poolId, now),
    onFinishing: (poolId, quietUntil) => observations.noteFinishing(poolId, quietUntil),
    onAcknowledgementDue: (poolId, sentAt) => observations.expectAcknowledgement(poolId, sentAt),
    onRoundTrip: (poolId, ms) => observations.noteRoundTrip(poolId, ms),
    roundTripMs: (poolId) => observations.networkMs.get(poolId),
    onEventGap: (poolId, ms) => observations.noteEventGap(poolId, ms),
    remainingMs: (candidate, acknowledged) => {
      const pool = poolOf(candidate.poolId);
      // Next for a slot without the batch's size (an older pool): its pick's prediction stands.
      if (!pool || (startedAt(acknowledged) && acknowledged.batchMegapixels === undefined)) {
        return candidate.predictedMs ?? Number.POSITIVE_INFINITY;
      }
      return remainingOn(pool, acknowledged).remainingMs;
    },
    hedgeTo: (candidate, pace) => {
      const order = copyTo(candidate);
      const next = order[0];
      return next?.predictedMs !== undefined && worthHedging(pace, next.predictedMs) ? order : null;
    },
    copyTo,
    unloadedMs: (candidate) => {
      const pool = poolOf(candidate.poolId);
      return pool ? unloadedCompletionMs(pool, request, observations, index.fleet) : 0;
    },
    moveTo: (candidate, acknowledged, moves) => {
      const pool = poolOf(candidate.poolId);
      // Straight into a batch: priced at that batch's step time. Position 0 without the batch's
      // size (an older pool, or next for a slot): nothing to gain.
      const started = startedAt(acknowledged);
      if (!pool || (started && acknowledged.batchMegapixels === undefined)) return null;
      const { remainingMs, returnTripMs } = remainingOn(pool, acknowledged);
      // The trip back is left out of the surprise: a pool's first event is also when its round trip
      // is first measured, which the pick could not have priced.
      const surprise = {
        started,
        remainingMs: remainingMs - returnTripMs,
        predictedMs: candidate.predictedMs,
      };
      if (!worthRepicking(surprise)) return null;
      const order = context.repick(candidate.poolId);
      const next = order[0];
      const alternative = next === undefined ? undefined : poolOf(next.poolId);
      if (!next || !alternative || next.predictedMs === undefined) return null;
      // Spill by cost: a request that would still meet what is left of its objective where it
      // waits does not move to a pricier pool.
      const { objectiveMs } = request;
      const move = shouldReroute({
        started,
        moves,
        remainingMs,
        alternativeMs: next.predictedMs,
        alternativeUnloadedMs: started
          ? unloadedCompletionMs(alternative, request, observations, index.fleet)
          : undefined,
        objectiveMs: objectiveMs === undefined ? undefined : objectiveMs - (context.now() - context.routedAt),
        cost: requestCost(pool, request),
        alternativeCost: requestCost(alternative, request),
        spillMargin: context.spillMargin,
      });
      return move ? order : null;
    },
  };
}

/**
 * Whether the acknowledgement put the call straight into a batch: position 0 and no wait. A pool
 * that says when a waiting call gets its slot (`startInMs`) says it waits, whatever its position.
 */
function startedAt(acknowledged: PoolAcknowledgement): boolean {
  return acknowledged.position <= 0 && acknowledged.startInMs === undefined;
}
