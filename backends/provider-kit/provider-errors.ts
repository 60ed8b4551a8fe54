import {
  type ErrorCode,
  type ErrorEnvelope,
  errorCatalog,
  errorTypes,
  type PiggybackedLoad,
} from '../../shared/index.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { classifyHttpFailure, parseRetryAfter } from '../failure-policy.ts';

/**
 * Back-off assumed for a 429 or 503 that names none: Triton's queue-full answer and OpenAI's
 * overload answer carry no `Retry-After`, and failover needs some pause before asking again.
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 1;
/** Longest provider message kept in an error; the rest is cut. */
const MAX_MESSAGE_LENGTH = 500;
/** Codes whose meaning is Spillway's own protocol (`classifyHttpFailure`), never a provider's. */
const reservedCodes = new Set<string>(['job_id_conflict', 'deadline_exceeded']);
/** A provider code worth keeping: short and plain. */
const PLAIN_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/** A provider's HTTP error answer, as an adapter read it from the provider's own error format. */
export interface ProviderRefusal {
  /** Adapter name, for messages. */
  readonly provider: string;
  readonly status: number;
  /** The answer's headers (`Retry-After`). */
  readonly headers: Headers;
  /** The provider's own message, code, type and param (in Spillway's request vocabulary), where it gave them. */
  readonly detail?: string | null;
  readonly code?: string | null;
  readonly type?: string | null;
  readonly param?: string | null;
  /** The credential sent, scrubbed from anything the provider echoed. */
  readonly token: string;
  /** Goes into the envelope's `request_id`: the job id. */
  readonly jobId: string;
  readonly load?: PiggybackedLoad | null;
  readonly now: number;
  /**
   * Whose fault a 4xx other than bad input, credentials or rate limit is (404 unknown model, 402
   * out of credit, …): `request` where the request names what the provider refused (it goes to
   * the client, as `classifyHttpFailure` says), `pool` where the pool's URL names the model
   * (Replicate, fal): the registration or account is wrong, so another pool may serve.
   */
  readonly otherRefusals: 'request' | 'pool';
}

/**
 * The {@link BackendCallError} for a provider's error answer, mapped onto Spillway's catalogue in
 * one place. The envelope keeps a plain code the provider named, else the catalogue's code for
 * the status; anything it echoed of our credential is scrubbed first.
 *
 * - 400 and 422 (Replicate "Input validation failed", fal's `detail` list): the request's own
 *   fault, status 400, not retryable; the envelope is what the client gets.
 * - 401/403 (our key), 429 (rate limit) and 503 (overloaded): retryable elsewhere, nothing ran;
 *   a 429 or 503 without `Retry-After` backs off {@link DEFAULT_RETRY_AFTER_SECONDS}.
 * - Any other 4xx: see {@link ProviderRefusal.otherRefusals}.
 * - 5xx: the provider failed; retryable, and it may have spent compute. A 504 keeps the code
 *   `upstream_failed`: only Spillway's own deadline stops failover.
 */
export function providerAnswerError(refusal: ProviderRefusal): BackendCallError {
  const badInput = refusal.status === 400 || refusal.status === 422;
  const status = badInput ? 400 : refusal.status;
  const fallback = codeForStatus(status);
  const own = refusal.code ?? '';
  const code = PLAIN_CODE.test(own) && !reservedCodes.has(own) ? own : fallback;
  const type = errorTypes.find((known) => known === refusal.type) ?? errorCatalog[fallback].type;
  const detail = redact(refusal.detail?.trim() ?? '', refusal.token).slice(0, MAX_MESSAGE_LENGTH);
  const envelope: ErrorEnvelope = {
    error: {
      type,
      code,
      message: detail || `${refusal.provider} answered ${refusal.status}`,
      param: refusal.param ? redact(refusal.param, refusal.token) : null,
    },
    request_id: refusal.jobId,
  };
  const overloaded = status === 429 || status === 503;
  const policy = classifyHttpFailure(status, code);
  const poolFault = !badInput && status < 500 && !policy.retryable && refusal.otherRefusals === 'pool';
  return new BackendCallError({
    message: `${refusal.provider} answered ${refusal.status} ${code}: ${envelope.error.message}`,
    status,
    code,
    ...(poolFault ? { retryable: true, workStarted: false } : policy),
    retryAfterSeconds:
      parseRetryAfter(refusal.headers.get('retry-after'), refusal.now) ??
      (overloaded ? DEFAULT_RETRY_AFTER_SECONDS : null),
    load: refusal.load ?? null,
    envelope,
  });
}

/** A 2xx answer the adapter cannot use (wrong shape, no images): the provider's failure. */
export function unusableAnswer(provider: string, status: number | null, what: string): BackendCallError {
  return new BackendCallError({
    message: `${provider} answered with ${what}`,
    status,
    code: 'upstream_failed',
    retryable: true,
    workStarted: true,
  });
}

/** `text` with every occurrence of `secret` replaced; unchanged when there is no secret. */
export function redact(text: string, secret: string): string {
  return secret === '' ? text : text.split(secret).join('[credential]');
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'invalid_credentials';
    case 403:
      return 'insufficient_scope';
    case 404:
      return 'model_not_found';
    case 409:
      return 'resource_conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 503:
      return 'no_capacity';
    default:
      return status >= 500 ? 'upstream_failed' : 'invalid_request';
  }
}
