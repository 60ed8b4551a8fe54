import type { LocalObservations, PoolView, RoutingRequest } from './fleet-view.ts';
import { forecastLoadAt, type LoadForecast } from './load-forecast.ts';
import { seenLoad, serviceMs } from './scoring.ts';

/** What a decision knows about the fleet as a whole (computed once per snapshot). */
export interface FleetContext {
  /** Job time for a pool that has not measured one (the fleet median). */
  readonly fallbackJobMs: number;
  /** Job time per pool position (`effectiveJobMs` when the snapshot was taken). */
  readonly jobMs: Float64Array;
  /** Where the isolates together are taking each pool's load (`forecastLoads`). */
  readonly forecast: LoadForecast;
  /** Pool id to its position in the forecast. */
  readonly positions: ReadonlyMap<string, number>;
}

/**
 * Expected time until this request would finish on the pool, in ms, including the round trip.
 *
 * Staleness: the seen load (snapshot or piggybacked, whichever is newer) moves by as much as
 * the forecast says the pool's load moved since that figure was taken, so the pool every
 * isolate saw as emptiest a second ago is scored as full as the others have made it by now.
 *
 * Own work: requests this isolate sent after the figure was taken are not in it and are added;
 * those sent before are already counted. The pool carries at least all of ours, whatever the
 * snapshot says (with one isolate that is the exact load).
 */
export function expectedCompletionMs(
  pool: PoolView,
  request: RoutingRequest,
  observations: LocalObservations,
  fleet: FleetContext,
  now: number,
): number {
  const seen = seenLoad(pool, observations);
  const slots = Math.max(1, pool.slots);
  const position = fleet.positions.get(pool.poolId);
  const jobMs =
    (position === undefined ? undefined : fleet.jobMs[position]) ?? pool.jobMs ?? fleet.fallbackJobMs;
  const moved =
    position === undefined
      ? 0
      : forecastLoadAt(fleet.forecast, position, now) - forecastLoadAt(fleet.forecast, position, seen.at);
  const projected = Math.max(0, seen.load + moved);
  const own = observations.inFlight.get(pool.poolId) ?? 0;
  const load = Math.max(own, projected + unreportedSends(pool.poolId, observations, seen.at, own));
  return (observations.networkMs?.get(pool.poolId) ?? 0) + serviceMs(load, request.images, slots, jobMs);
}

/** Own requests in flight that were sent after `at`, so the pool's figures cannot include them. */
function unreportedSends(poolId: string, observations: LocalObservations, at: number, own: number): number {
  const sentAt = observations.inFlightSentAt?.get(poolId);
  if (sentAt === undefined) return own;
  let count = 0;
  for (const time of sentAt) if (time > at) count++;
  return count;
}
