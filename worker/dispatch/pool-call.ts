import { BackendCallError, type BackendResult, type ImageBackend } from '../../backends/index.ts';
import { DEFAULT_STALL_AFTER_MS } from '../routing/index.ts';
import { AckWatch } from './ack-watch.ts';
import type { DispatchCandidate, DispatchOptions } from './dispatch-types.ts';
import { StepWatch } from './step-watch.ts';

/** Round trips a pool's acknowledgement may take, past the least silence, before a call is stalled. */
const ACK_ROUND_TRIPS = 4;

/** One pool call in flight. */
export interface PoolCall {
  readonly candidate: DispatchCandidate;
  readonly backend: ImageBackend;
  readonly token: string;
  readonly started: number;
  /** `hedge`: the copy a late call got; `tie`: the second call of a tied pair. */
  readonly role: CallRole;
  readonly settled: Promise<SettledCall>;
  /** Its step events and acknowledgement, when the call streams them. */
  readonly steps: StepWatch | null;
  readonly ack: AckWatch | null;
}

/** Why a call was made: the request's next candidate, a late call's copy, or the second of a tied pair. */
export type CallRole = 'call' | 'hedge' | 'tie';

/** How a call ended. */
export type SettledCall =
  | { readonly call: PoolCall; readonly ok: true; readonly result: BackendResult }
  | { readonly call: PoolCall; readonly ok: false; readonly error: BackendCallError };

/**
 * Calls one pool with the remaining budget as its deadline; null when no time is left. A call
 * streams the pool's events when anyone listens (`onProgress`, `streamProgress`, `ack`): they feed
 * its step watch (stalls), its acknowledgement (the re-route), the pool's round trip and the
 * isolate's progress per pool.
 */
export async function startPoolCall(
  options: DispatchOptions,
  candidate: DispatchCandidate,
  role: CallRole,
): Promise<PoolCall | null> {
  if (options.deadlineAt - options.now() <= 0) return null;
  const backend = options.backendFor(candidate.protocol);
  const credential = await Promise.resolve()
    .then(() => options.tokenFor(candidate.poolId))
    .then(
      (token) => ({ token, error: null }),
      (error: unknown) => ({ token: '', error: credentialsUnavailable(candidate, error) }),
    );
  const { token } = credential;
  const started = options.now();
  const deadlineMs = options.deadlineAt - started;
  if (deadlineMs <= 0) return null;
  options.onStart?.(candidate.poolId, candidate);
  const { onProgress, ack: listeners } = options;
  if (backend.acknowledges) listeners?.onAcknowledgementDue?.(candidate.poolId, started);
  const streamed = onProgress !== undefined || options.streamProgress === true || listeners !== undefined;
  const minSilenceMs = options.stallAfterMs ?? DEFAULT_STALL_AFTER_MS;
  // The silence allowed before an acknowledgement: as after a step, past the pool's usual wait for
  // its first event (4 of its round trips, as a step's silence is 4 of its intervals).
  const acknowledgeBy = backend.acknowledges
    ? started + minSilenceMs + ACK_ROUND_TRIPS * (listeners?.roundTripMs?.(candidate.poolId) ?? 0)
    : null;
  const steps = streamed ? new StepWatch(minSilenceMs, candidate.finishMs, acknowledgeBy) : null;
  const ack = streamed ? new AckWatch() : null;
  let lastEventAt: number | null = null;
  const settled = (
    credential.error
      ? Promise.reject(credential.error)
      : backend.generate({
          poolUrl: candidate.url,
          jobId: options.jobId,
          request: options.request,
          deadlineMs,
          token,
          ...(candidate.upstream ? { upstream: candidate.upstream } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.traceparentFor ? { traceparent: options.traceparentFor() } : {}),
          ...(steps && ack
            ? {
                onProgress: (progress) => {
                  const now = options.now();
                  if (lastEventAt === null) listeners?.onRoundTrip?.(candidate.poolId, now - started);
                  else listeners?.onEventGap?.(candidate.poolId, now - lastEventAt);
                  lastEventAt = now;
                  listeners?.onPoolProgress?.(candidate.poolId, now);
                  steps.observe(progress, now);
                  const quietUntil = steps.finishingUntil();
                  if (quietUntil !== null) listeners?.onFinishing?.(candidate.poolId, quietUntil);
                  ack.observe(progress);
                  onProgress?.(progress, candidate.poolId);
                },
              }
            : {}),
        })
  ).then(
    (result): SettledCall => ({ call, ok: true, result }),
    (error: unknown): SettledCall => {
      if (!BackendCallError.isInstance(error)) throw error;
      return { call, ok: false, error };
    },
  );
  const call: PoolCall = { candidate, backend, token, started, role, steps, ack, settled };
  return call;
}

/**
 * A credential the edge cannot produce for this pool (a sealed key that no longer opens, a named
 * secret that is not set): that pool's failure, retryable elsewhere, nothing sent. The message
 * names the provider and the problem, never a credential.
 */
function credentialsUnavailable(candidate: DispatchCandidate, cause: unknown): BackendCallError {
  const reason = cause instanceof Error ? cause.message : 'unknown error';
  console.warn(
    JSON.stringify({ level: 'warn', msg: 'pool credential unavailable', pool_id: candidate.poolId, reason }),
  );
  return new BackendCallError({
    message: `no credential for provider ${candidate.providerId}: ${reason}`,
    status: null,
    code: 'credentials_unavailable',
    retryable: true,
    workStarted: false,
  });
}
