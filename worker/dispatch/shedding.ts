import { BackendCallError } from '../../backends/index.ts';
import type { Tier } from '../../shared/index.ts';
import type { AdmissionSettings } from '../admission/admission-settings.ts';
import { edgeWaitAllowanceMs, retryAfter, type Shed, shedDecision } from '../admission/tier-shedding.ts';
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

/** A shed request: the refusal it gets, unless a slot frees for it within `maxWaitMs`. */
export interface ShedVerdict {
  readonly error: BackendCallError;
  readonly maxWaitMs: number;
  /**
   * Whether room would have served it: false for a request whose deadline leaves less than its
   * own unloaded time on every candidate, which no room could have served in time. Only a
   * refusal for want of room makes its tier short of room (`SlotTurns.refused`), which holds the
   * last room away from lower tiers: a tenant sending hopeless deadlines must not shed others.
   */
  readonly wantsRoom: boolean;
}

/** What the fleet can do for a request at its tier now. */
export type Admittance =
  | {
      readonly admitted: true;
      /** The ranking with the candidates that serve it within its tier's terms first. */
      readonly ranked: readonly ScoredPool[];
      /** How long it could still wait for a slot, should it give this one up (`SlotTurns`). */
      readonly maxWaitMs: number;
      /** Candidates that serve it within its tier's terms: the room it sees. */
      readonly rooms: number;
    }
  | { readonly admitted: false; readonly verdict: ShedVerdict };

/**
 * Whether any candidate can serve the request within its tier's terms (`shedDecision`: it starts
 * before its deadline, and its slowdown there, over the same pool idle, is within the tier's
 * limit); those that can go first, in rank order: an idle pool is room though a faster busy one
 * ranks above it. Each pool is judged against its own idle time, not the fastest pool's: a pool
 * that measured slow once would otherwise never be sent work again, so never measured again.
 *
 * When none can, the request gets the retryable refusal a full pool gives, judged on the candidate
 * nearest to room: 503 with that pool's drain time as `Retry-After` for a sync request, a wait at
 * the edge for a job; and it may first wait for a slot as long as any candidate allows.
 * `waitedMs`: how long it already waited for one.
 */
export function admittance(
  ranked: readonly ScoredPool[],
  request: RoutingRequest,
  services: SheddingServices,
  fleet: FleetContext,
  tier: Tier,
  now: number,
  remainingMs: number,
  waitedMs = 0,
): Admittance {
  const within: ScoredPool[] = [];
  const over: ScoredPool[] = [];
  let nearest: Shed | null = null;
  let longestWaitMs = 0;
  let firstUnloadedMs = 0;
  let leastUnloadedMs = Number.POSITIVE_INFINITY;
  for (const entry of ranked) {
    const unloadedMs = unloadedCompletionMs(entry.pool, request, services.observations, fleet);
    firstUnloadedMs ||= unloadedMs;
    leastUnloadedMs = Math.min(leastUnloadedMs, unloadedMs);
    // Judged on the load known to be there (`forecastArrivals: false`): a refusal is not undone
    // by a faster pool, so it must not rest on arrivals only the forecast assumed. A small
    // request's ranking already scored it (`ScoredPool.knownMs`, at the same instant).
    const knownMs =
      entry.knownMs ??
      expectedCompletionMs(entry.pool, request, services.observations, fleet, now, {
        forecastArrivals: false,
      });
    const shed = shedDecision({
      tier,
      predictedMs: Math.min(entry.predictedMs, knownMs),
      unloadedMs,
      remainingMs,
      slowdownLimits: services.config.admission.slowdownLimits,
      waitedMs,
    });
    if (shed === null) {
      within.push(entry);
      continue;
    }
    over.push(entry);
    longestWaitMs = Math.max(longestWaitMs, shed.maxWaitMs);
    if (nearest === null || shed.retryAfterSeconds < nearest.retryAfterSeconds) nearest = shed;
  }
  if (within.length > 0 || nearest === null) {
    const maxWaitMs = edgeWaitAllowanceMs({
      tier,
      unloadedMs: firstUnloadedMs,
      remainingMs,
      slowdownLimits: services.config.admission.slowdownLimits,
      waitedMs,
    });
    return { admitted: true, ranked: [...within, ...over], maxWaitMs, rooms: within.length };
  }
  const wantsRoom = !(leastUnloadedMs > remainingMs);
  return { admitted: false, verdict: shedVerdict(nearest, tier, longestWaitMs, wantsRoom) };
}

/**
 * Keeps the last room a request sees for a higher tier that is short of room (refused for want of
 * it lately, `SlotTurns.higherTierShortOfRoom`): a lower-tier request that would take it is shed
 * instead, and may wait for a turn as a shed request does. While paid requests are being turned
 * away, free work takes room only where there is more than one, so a free-tier surge cannot crowd
 * paid work out of a full fleet; when paid demand fits, nothing is held. Its `Retry-After` is the
 * time the room's pool needs for this request: about when room comes back.
 */
export function keepLastRoom(judged: Admittance, tier: Tier, higherTierShort: boolean): Admittance {
  if (!judged.admitted || !higherTierShort || judged.rooms !== 1) return judged;
  const retryAfterSeconds = retryAfter(judged.ranked[0]?.predictedMs ?? 0);
  return {
    admitted: false,
    verdict: shedVerdict(
      { reason: 'tier', retryAfterSeconds, maxWaitMs: judged.maxWaitMs },
      tier,
      judged.maxWaitMs,
      true,
    ),
  };
}

/**
 * A refusal's error with its `Retry-After` raised to the wait for the demand ahead of it
 * (`SlotTurns.demandWaitMs`), within the usual bounds; the same error when that is no longer.
 */
export function withDemandAhead(error: BackendCallError, demandWaitMs: number | null): BackendCallError {
  if (demandWaitMs === null || error.retryAfterSeconds === null) return error;
  const retryAfterSeconds = retryAfter(demandWaitMs);
  if (retryAfterSeconds <= error.retryAfterSeconds) return error;
  return new BackendCallError({
    message: error.message,
    status: error.status,
    code: error.code,
    retryable: error.retryable,
    workStarted: error.workStarted,
    retryAfterSeconds,
    load: error.load,
    envelope: error.envelope,
  });
}

/**
 * The verdict of a shed request. Its error is built on first read: a request waiting for a turn
 * is judged again and again and only its last verdict is answered, so an error per judgement
 * (each capturing a stack) was a measurable share of the edge's time under overload.
 */
function shedVerdict(nearest: Shed, tier: Tier, maxWaitMs: number, wantsRoom: boolean): ShedVerdict {
  let error: BackendCallError | undefined;
  return {
    maxWaitMs,
    wantsRoom,
    get error() {
      error ??= new BackendCallError({
        message:
          nearest.reason === 'deadline'
            ? 'no pool could start this request before its deadline'
            : `the fleet is too busy for ${tier}-tier requests right now`,
        status: 503,
        code: 'shed',
        retryable: true,
        workStarted: false,
        retryAfterSeconds: nearest.retryAfterSeconds,
      });
      return error;
    },
  };
}
