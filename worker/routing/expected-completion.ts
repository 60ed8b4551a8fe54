import type { LocalObservations, PoolView, RoutingRequest } from './fleet-view.ts';
import { seenLoad, serviceMs } from './scoring.ts';

/** What a decision knows about the fleet as a whole (computed once per snapshot). */
export interface FleetContext {
  /** Job time for a pool that has not measured one (the fleet median). */
  readonly fallbackJobMs: number;
  /** Per pool id, expected load change per ms of snapshot age (`herdDrift`). */
  readonly drift: ReadonlyMap<string, number>;
}

/**
 * Longest a load figure is projected forward. The drift is a straight line from one snapshot;
 * past a few job times the fleet has rebalanced and the line means nothing.
 */
const MAX_PROJECTION_MS = 3_000;

/**
 * Expected time until this request would finish on the pool, in ms, including the round trip.
 *
 * Staleness: the seen load (snapshot or piggybacked, whichever is newer) is projected forward
 * by the pool's herd drift times its age, so the pool every isolate saw as emptiest a second
 * ago is scored as full as the others have made it by now.
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
  const jobMs = pool.jobMs ?? fleet.fallbackJobMs;
  const ageMs = Math.min(MAX_PROJECTION_MS, Math.max(0, now - seen.at));
  const projected = Math.max(0, seen.load + (fleet.drift.get(pool.poolId) ?? 0) * ageMs);
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
