import { BackendCallError } from '../../backends/index.ts';
import type { Tier } from '../../shared/index.ts';
import type { AdmissionSettings } from '../admission/admission-settings.ts';
import { shedDecision } from '../admission/tier-shedding.ts';
import {
  expectedCompletionMs,
  type FleetContext,
  type LocalObservations,
  type RoutingRequest,
  type ScoredPool,
  unloadedCompletionMs,
} from '../routing/index.ts';

/** What shedding reads from the isolate. */
export interface SheddingServices {
  readonly config: { readonly admission: Pick<AdmissionSettings, 'slowdownLimits'> };
  readonly observations: LocalObservations;
}

/**
 * A request the fleet has no room for at its tier (`shedDecision`), judged on its best candidate,
 * as the retryable refusal a full pool gives: 503 with the drain time as `Retry-After` for a sync
 * request, a wait at the edge for a job.
 */
export function shedOf(
  ranked: readonly ScoredPool[],
  request: RoutingRequest,
  services: SheddingServices,
  fleet: FleetContext,
  tier: Tier,
  now: number,
  remainingMs: number,
): BackendCallError | null {
  const best = ranked.reduce<ScoredPool | undefined>(
    (chosen, entry) => (chosen === undefined || entry.predictedMs < chosen.predictedMs ? entry : chosen),
    undefined,
  );
  if (!best) return null;
  // Judged on the load known to be there (`forecastArrivals: false`): a refusal is not undone by a
  // faster pool, so it must not rest on arrivals only the forecast assumed.
  const knownMs = expectedCompletionMs(best.pool, request, services.observations, fleet, now, {
    forecastArrivals: false,
  });
  const shed = shedDecision({
    tier,
    predictedMs: Math.min(best.predictedMs, knownMs),
    unloadedMs: unloadedCompletionMs(best.pool, request, services.observations, fleet),
    remainingMs,
    slowdownLimits: services.config.admission.slowdownLimits,
  });
  if (!shed) return null;
  return new BackendCallError({
    message:
      shed.reason === 'deadline'
        ? 'no pool could start this request before its deadline'
        : `the fleet is too busy for ${tier}-tier requests right now`,
    status: 503,
    code: 'shed',
    retryable: true,
    workStarted: false,
    retryAfterSeconds: shed.retryAfterSeconds,
  });
}
