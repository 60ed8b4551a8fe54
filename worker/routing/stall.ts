import { DEFAULT_STALL_AFTER_MS, type LocalObservations, type RoutingPolicy } from './fleet-view.ts';

/**
 * Whether this isolate should treat the pool as stalled: it has requests in flight there and
 * none of them showed any progress for `stallAfterMs`.
 *
 * A stalled pool keeps accepting connections and may keep sending the same telemetry, so
 * neither refusals nor the snapshot reveal it; only the missing progress of our own requests
 * does. Step events arrive every step (tens of ms), so half a second of silence is far outside
 * normal jitter while still short next to a job (issue 4: stop sending within 1.5 s).
 *
 * @example
 * isStalled('pool-a', observations, { telemetryTtlMs: 5_000, defaultJobMs: 1_000 }, Date.now());
 */
export function isStalled(
  poolId: string,
  observations: LocalObservations,
  policy: RoutingPolicy,
  now: number,
): boolean {
  if ((observations.inFlight.get(poolId) ?? 0) === 0) return false;
  const lastProgressAt = observations.lastProgressAt?.get(poolId);
  if (lastProgressAt === undefined) return false;
  return now - lastProgressAt > (policy.stallAfterMs ?? DEFAULT_STALL_AFTER_MS);
}
