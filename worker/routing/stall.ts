import { DEFAULT_STALL_AFTER_MS, type LocalObservations, type RoutingPolicy } from './fleet-view.ts';

/**
 * Silence counts as a stall only past this many of the pool's own step intervals (as the
 * Worker's step watch on a streamed call): a big batch on a near-linear curve may take a second a
 * step, and only the pool's own pace says what quiet is.
 */
export const STALL_STEP_INTERVALS = 4;

/**
 * Once a call reported its last step, its pool may be quiet for this many of its measured finish
 * times (decode and PNG, `PoolView.finishMs`) before that counts as a stall: the silence is the
 * image being made. A 1024 px image through a Stable Diffusion VAE on a CPU takes seconds, far
 * past `stallAfterMs`. Four, as for steps: a loaded host stretches a finish as it stretches a step.
 */
export const STALL_FINISH_TIMES = 4;

/**
 * Whether this isolate should treat the pool as stalled: it has requests in flight there and
 * none of them showed any progress for max(`stallAfterMs`, `STALL_STEP_INTERVALS` x the step
 * interval they showed lately, `observations.stepIntervalMs`), and none is making its image after
 * its last step (`observations.finishingUntil`).
 *
 * A stalled pool keeps accepting connections and may keep sending the same telemetry, so
 * neither refusals nor the snapshot reveal it; only the missing progress of our own requests
 * does. Step events arrive every step (tens of ms for small batches), so half a second of silence
 * is far outside normal jitter while still short next to a job (issue 4: stop sending within 1.5 s).
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
  if (now < (observations.finishingUntil?.get(poolId) ?? Number.NEGATIVE_INFINITY)) return false;
  const lastProgressAt = observations.lastProgressAt?.get(poolId);
  if (lastProgressAt === undefined) return false;
  const paceMs = STALL_STEP_INTERVALS * (observations.stepIntervalMs?.get(poolId) ?? 0);
  return now - lastProgressAt > Math.max(policy.stallAfterMs ?? DEFAULT_STALL_AFTER_MS, paceMs);
}
