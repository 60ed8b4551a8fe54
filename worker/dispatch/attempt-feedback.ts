import type { IsolateObservations } from '../fleet/local-observations.ts';
import {
  isStalled,
  type RoutingPolicy,
  type RoutingRequest,
  type SuspicionReason,
} from '../routing/index.ts';
import type { AttemptOutcome, AttemptRecord } from './dispatch-types.ts';

/** What learning from an attempt touches: the isolate's observations and the registry's notes. */
export interface AttemptFeedbackServices {
  readonly config: { readonly routing: RoutingPolicy };
  readonly now: () => number;
  readonly observations: IsolateObservations;
  reportSuspect(poolId: string, reason?: SuspicionReason): Promise<void>;
  reportBackoff(poolId: string, until: number): Promise<void>;
}

/** Longest a pool's `Retry-After` keeps it out: a typo of an hour must not bench a pool for one. */
const MAX_BACKOFF_MS = 300_000;
const FAILED_OUTCOMES: ReadonlySet<AttemptOutcome> = new Set([
  'failed',
  'connection_failed',
  'refused',
  'timed_out',
  'stalled',
]);

/**
 * Until when a pool that refused with `Retry-After` (429, or 503 at capacity) gets no traffic from
 * any isolate, epoch ms; null when it asked for nothing.
 */
function backoffUntilOf(attempt: AttemptRecord, now: number): number | null {
  if (attempt.outcome === 'refused' && credentialRefused(attempt.status)) {
    // The operator's to fix: every isolate holds the pool out, and the log says why.
    console.warn(
      JSON.stringify({
        level: 'warn',
        msg: 'pool refused the edge credential: check the provider key',
        pool_id: attempt.poolId,
        provider_id: attempt.providerId,
        status: attempt.status,
      }),
    );
    return now + CREDENTIAL_REFUSAL_BACKOFF_MS;
  }
  const seconds = attempt.retryAfterSeconds;
  if (!refusedAtAdmission(attempt.status, attempt.outcome === 'refused')) return null;
  if (seconds === null || seconds === undefined || !(seconds > 0)) return null;
  return now + Math.min(MAX_BACKOFF_MS, seconds * 1_000);
}

/**
 * A pool that answered and refused at admission: 429, or 503 when full or draining, with nothing
 * started. It cost that pool nothing: its `Retry-After` is honoured, and failing over from it
 * spends no retry budget.
 */
export function refusedAtAdmission(status: number | null, nothingStarted: boolean): boolean {
  return nothingStarted && (status === 429 || status === 503);
}

/**
 * Whether a pool refused the edge's own credential (401, 403): the provider key is wrong, expired
 * or lacks access, or a gpu-node pool does not trust this edge's signing key. Nothing ran, and no
 * retry of the same key will pass until an operator acts: the request fails over free (another
 * provider's pool may take it), and the pool is held out by every isolate for
 * {@link CREDENTIAL_REFUSAL_BACKOFF_MS}, shown as `suspect`, rather than failing a request in
 * every few while it looks healthy.
 */
export function credentialRefused(status: number | null): boolean {
  return status === 401 || status === 403;
}

/** How long every isolate holds out a pool that refused the edge's credential, ms. */
export const CREDENTIAL_REFUSAL_BACKOFF_MS = 60_000;

/** Feeds the isolate's outcome ledger (the registry's reports on pools that push none). */
function noteOutcome(
  services: AttemptFeedbackServices,
  attempt: AttemptRecord,
  request: RoutingRequest,
): void {
  const ok = attempt.outcome === 'ok';
  if (!ok && !FAILED_OUTCOMES.has(attempt.outcome)) return;
  services.observations.outcomes.note(attempt.poolId, {
    ok,
    durationMs: attempt.durationMs,
    images: request.images,
    ...(request.work === undefined ? {} : { work: request.work }),
    ...(request.imageMegapixels === undefined ? {} : { imageMegapixels: request.imageMegapixels }),
  });
}

/**
 * What the isolate and the registry learn from one finished attempt: outlier ejection, shared
 * suspicion of a dead or stalled pool, the back-off a pool asked for, and the outcome ledger.
 */
export function learnFromAttempt(
  services: AttemptFeedbackServices,
  attempt: AttemptRecord,
  request: RoutingRequest,
  waitUntil: (promise: Promise<unknown>) => void,
): void {
  // Outlier ejection: a pool that refuses connections or fails with a 5xx sits out a while.
  if (attempt.outcome === 'connection_failed' || attempt.outcome === 'failed') {
    const alreadyEjected = (services.observations.ejectedUntil.get(attempt.poolId) ?? 0) > services.now();
    services.observations.eject(attempt.poolId, services.now(), attempt.outcome === 'connection_failed');
    // A refused connection (a dead pool) also goes to the registry, once per ejection
    // window, so every isolate skips the pool from its next snapshot on. A 5xx does not:
    // an idle pool's figures never move, so one bad answer would bench it for 30 s.
    if (attempt.outcome === 'connection_failed' && !alreadyEjected) {
      waitUntil(services.reportSuspect(attempt.poolId));
    }
  }
  // A call that lost its hedge, late or quiet, is not ejected (as in the simulator): in a
  // burst on a busy host every pool runs late and pauses now and then. One that went quiet
  // mid-job tells the registry, which holds the pool out until its figures move, when the pool
  // is quiet on every call this isolate has there (`isStalled`, as the simulator raises it): one
  // call waiting while the others step is that call's trouble, and holding the pool out sent the
  // next burst of 24 all to the other pool on `npm start`.
  if (
    attempt.outcome === 'stalled' &&
    isStalled(attempt.poolId, services.observations, services.config.routing, services.now())
  ) {
    waitUntil(services.reportSuspect(attempt.poolId, 'stalled'));
  }
  const backoffUntil = backoffUntilOf(attempt, services.now());
  if (backoffUntil !== null) {
    services.observations.backOff(attempt.poolId, backoffUntil);
    waitUntil(services.reportBackoff(attempt.poolId, backoffUntil));
  }
  noteOutcome(services, attempt, request);
}
