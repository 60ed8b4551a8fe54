import type { ErrorEnvelope, PiggybackedLoad } from '../shared/index.ts';
import { BackendCallError } from './backend-call-error.ts';

/** Whether another pool may take the request, and whether this one may have spent compute. */
export interface FailureClass {
  readonly retryable: boolean;
  readonly workStarted: boolean;
}

/**
 * Classifies an HTTP error answer from a pool. Shared by every adapter so failover behaves the
 * same whichever provider answered:
 *
 * - 401/403: the pool refused OUR credential (edge misconfiguration for that pool), not the
 *   client's; another pool may accept it. Nothing ran.
 * - 429 and 503 (`queue_full`, `draining`, `not_ready`): refused at admission; nothing ran.
 * - 408 and other 5xx: the pool took the request and failed it, or a proxy did; it may have
 *   spent compute but produced no image, so another pool may try while time remains.
 * - 504 `deadline_exceeded`: the pool ran out of OUR deadline, which every pool shares; stop.
 *   A 504 with another code is a proxy's own timeout and stays retryable.
 * - 409 `job_id_conflict`: this pool already holds the job id for another request (another
 *   tenant's job, or another body; gpu-node answers both alike, issue 12). The id is burnt on
 *   this pool only, and nothing ran for us there: another pool may take it (failover never
 *   calls the same pool twice).
 * - 409 `job_canceled` and every other 4xx: the request's own fault or an explicit cancel;
 *   another pool would answer the same, so it goes to the client as-is.
 * - 3xx: not part of any pool protocol (a broken proxy or provider) and never followed
 *   (`pool-fetch.ts`); the pool failed, another may serve.
 */
export function classifyHttpFailure(status: number, code: string | null): FailureClass {
  if (status === 401 || status === 403 || status === 429 || status === 503) {
    return { retryable: true, workStarted: false };
  }
  if (status === 409 && code === 'job_id_conflict') return { retryable: true, workStarted: false };
  if (status === 504 && code === 'deadline_exceeded') return { retryable: false, workStarted: true };
  if (status === 408 || status >= 500) return { retryable: true, workStarted: true };
  if (status >= 400) return { retryable: false, workStarted: false };
  return { retryable: true, workStarted: true };
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date), or null if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

/** The parts of an HTTP error answer an adapter has read. */
export interface HttpFailure {
  readonly status: number;
  readonly envelope: ErrorEnvelope | null;
  readonly retryAfterSeconds: number | null;
  readonly load: PiggybackedLoad | null;
  /** Code to use when the pool sent no envelope; `upstream_failed` by default. */
  readonly fallbackCode?: string;
}

/** Builds the {@link BackendCallError} for an HTTP error answer. */
export function httpFailureError(failure: HttpFailure): BackendCallError {
  const code = failure.envelope?.error.code ?? failure.fallbackCode ?? 'upstream_failed';
  return new BackendCallError({
    message: failure.envelope
      ? `pool answered ${failure.status} ${code}: ${failure.envelope.error.message}`
      : `pool answered ${failure.status} without an error envelope`,
    status: failure.status,
    code,
    ...classifyHttpFailure(failure.status, failure.envelope?.error.code ?? null),
    retryAfterSeconds: failure.retryAfterSeconds,
    load: failure.load,
    envelope: failure.envelope,
  });
}

/** Why a call ended without an HTTP answer. */
export type NoAnswerReason = 'connection_failed' | 'deadline_exceeded' | 'request_timeout' | 'job_canceled';

/**
 * Builds the {@link BackendCallError} for a call that got no answer.
 *
 * A connection failure counts as "not started": either the pool never received the request, or
 * the dropped connection makes it abandon the job (gpu-node cancels a job whose last caller hung
 * up). A timeout or an abort leaves the job possibly running, so the caller should cancel it.
 */
export function noAnswerError(reason: NoAnswerReason, cause: unknown, detail: string): BackendCallError {
  const common = { status: null, cause, message: detail } as const;
  switch (reason) {
    case 'connection_failed':
      return new BackendCallError({ ...common, code: reason, retryable: true, workStarted: false });
    case 'request_timeout':
      return new BackendCallError({ ...common, code: 'upstream_failed', retryable: true, workStarted: true });
    case 'deadline_exceeded':
    case 'job_canceled':
      return new BackendCallError({ ...common, code: reason, retryable: false, workStarted: true });
  }
}
