import type { FleetIndex } from './fleet-index.ts';
import type { PoolView, RoutingRequest, ScoredPool } from './fleet-view.ts';
import { isSmallRequest } from './request-size.ts';
import { requestCost } from './spill.ts';

/**
 * Most the second candidate's prediction may be of the first's for a tie: a tie is for when the
 * snapshot cannot tell two pools apart, not for a pool it already knows is busier. In the simulator
 * this left the gain as it was (`work-mixed-curves-rho-0.7` 1.203 / 1.563 against 1.209 / 1.560).
 */
export const TIE_PREDICTION_SPREAD = 1.5;

/**
 * Most tied pairs one isolate keeps unsettled (sent to two pools, neither copy yet dropped,
 * failed or answered); a request that finds that many goes to one pool. Ties suit requests
 * arriving one by one, as across many isolates. A burst on one isolate tied whole puts every copy
 * on both pools, and the acknowledgements that settle the pairs race: the pool that answers first
 * wins most of the burst. On `npm start`, bursts of 24 concurrent 64x64 4-step requests split
 * worse than 15/9 in 39 of 48 (24/0 the worst) with every one tied, in 10 of 48 with this limit
 * (21/3 the worst); with one pair, 2 of 16, but in the simulator one pair cost ties where
 * isolates' requests do overlap (`work-mixed-curves-rho-0.97` p99 over the oracle's 1.014 ->
 * 1.077), while with two the p99 moved by at most 0.014 and nothing else (`docs/routing.md`).
 */
export const MAX_UNSETTLED_TIES = 2;

/** Protocols whose pools acknowledge a call with where it landed (gpu-node's opening `queued` event). */
const ACKNOWLEDGING_PROTOCOLS: ReadonlySet<string> = new Set(['gpu-node']);

/**
 * Whether a request goes to its two best candidates at once, as a tied pair ("The Tail at
 * Scale", Dean and Barroso, CACM 2013): each pool's acknowledgement then says exactly where the
 * request landed (a queue position, or the batch it went straight into), and the copy expected
 * to finish later is cancelled (`tiedLoser`). Only a request with less work than one typical
 * image: on a near-linear curve such a request steps at the pace of whatever batch it joins, many
 * times its own time beside large images, and which batch that is on a pool is what a snapshot a
 * second old, shared by many isolates, cannot say. Its copy costs the pool it loses on a round
 * trip's worth of a small image. A large request is not tied: its copy would crowd a batch for
 * that round trip, and in the simulator tying every request did worse than tying small ones only.
 *
 * Both candidates must acknowledge (`gpu-node` pools, or simulated ones), the second must be
 * predicted within `TIE_PREDICTION_SPREAD` of the first, and it must cost no more, so a tie never
 * spills a request to a pricier pool.
 *
 * @example
 * const picked = pickPools(index, input);
 * const tie = tiesRequest(index, input.request, picked); // call picked[0] and picked[1] at once
 */
export function tiesRequest(
  index: FleetIndex,
  request: RoutingRequest,
  candidates: readonly ScoredPool[],
): boolean {
  const [first, second] = candidates;
  if (!first || !second || !isSmallRequest(index, request)) return false;
  if (!acknowledges(first.pool) || !acknowledges(second.pool)) return false;
  if (second.predictedMs > TIE_PREDICTION_SPREAD * first.predictedMs) return false;
  return requestCost(second.pool, request) <= requestCost(first.pool, request);
}

/**
 * The failover order (`rest`, best predicted first) with a small request's tie partner second:
 * the candidate that finishes it soonest on the load known to be there (`ScoredPool.knownMs`),
 * where that is not the pick; else the next best predicted. The pick is scored on the load
 * forecast, which assumes the other isolates send their work as typical images by power of d: it
 * fills the pools that were idle when the snapshot was taken, fast ones first, while large
 * requests in fact gather where large work runs and small ones spread over every pool. So a
 * small request shuns an idle fast pool for a slow one, at several times its best time (in the
 * simulator at `work-mixed-curves-rho-0.7`, the edge served 15% of its requests under 20
 * megapixel-steps on the four slowest pools, the oracle 2%). The two views bracket where it lands best, and the
 * two acknowledgements say which was right (`tiedLoser`). The partner goes out held to the
 * better of its two completions: what it should take if its acknowledgement bears the known load
 * out, and so the pace it is hedged on. In the simulator the p99 of slowdown over the oracle's
 * went 1.376 -> 1.340 at the worst work point and was better at 12 of 15, p99 within 0.02
 * either way (`bench/routing/README.md`).
 */
export function tiePartnerSecond(rest: readonly ScoredPool[], chosen: ScoredPool | undefined): ScoredPool[] {
  let soonestKnown = rest[0];
  for (const entry of rest) {
    if ((entry.knownMs ?? Number.POSITIVE_INFINITY) < (soonestKnown?.knownMs ?? Number.POSITIVE_INFINITY)) {
      soonestKnown = entry;
    }
  }
  const beatsPick =
    (soonestKnown?.knownMs ?? Number.POSITIVE_INFINITY) < (chosen?.knownMs ?? Number.POSITIVE_INFINITY);
  const partner = beatsPick ? soonestKnown : rest[0];
  if (partner?.knownMs === undefined) return [...rest];
  const promoted = { ...partner, predictedMs: Math.min(partner.predictedMs, partner.knownMs) };
  return [promoted, ...rest.filter((entry) => entry !== partner)];
}

/** One call of a tied pair, as the isolate knows it now. */
export interface TiedCall {
  /** What its pool's acknowledgement says is left of it, ms; null before the acknowledgement. */
  readonly remainingMs: number | null;
  /** The soonest it could still come back, ms from now: alone on its pool, less the time it has run. */
  readonly soonestMs: number;
}

/**
 * Which call of a tied pair to cancel, or null to wait: once both pools have acknowledged, the one
 * expected to finish later (the second on a draw); before that, the one not yet acknowledged if
 * even alone on its pool it could not beat the other (a small image on an idle pool, whose
 * acknowledgement already says it is as quick as it can be: the other copy would only run for
 * nothing until its own acknowledgement came).
 *
 * @example
 * tiedLoser({ remainingMs: 1_200, soonestMs: 80 }, { remainingMs: 300, soonestMs: 90 }); // 'first'
 * tiedLoser({ remainingMs: 60, soonestMs: 60 }, { remainingMs: null, soonestMs: 90 }); // 'second'
 */
export function tiedLoser(first: TiedCall, second: TiedCall): 'first' | 'second' | null {
  if (first.remainingMs !== null && second.remainingMs !== null) {
    return first.remainingMs <= second.remainingMs ? 'second' : 'first';
  }
  if (first.remainingMs !== null && first.remainingMs <= second.soonestMs) return 'second';
  if (second.remainingMs !== null && second.remainingMs < first.soonestMs) return 'first';
  return null;
}

function acknowledges(pool: Pick<PoolView, 'protocol'>): boolean {
  return pool.protocol === undefined || ACKNOWLEDGING_PROTOCOLS.has(pool.protocol);
}
