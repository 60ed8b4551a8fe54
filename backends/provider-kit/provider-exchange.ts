import type { FetchFunction } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { noAnswerError } from '../failure-policy.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import { MAX_SMALL_ANSWER_BYTES } from './answer-limits.ts';
import { readBoundedText } from './bounded-body.ts';
import { originOf } from './provider-urls.ts';

/** An answer with its whole body read. */
export interface ReadAnswer {
  readonly response: Response;
  readonly text: string;
}

/** How an {@link exchange} reads its answer. */
export interface ExchangeReading {
  /** The provider may already hold a job for this call (a poll, a result, a cancel). */
  readonly afterSubmit: boolean;
  /** The most bytes of a 2xx body (`answerLimits`); an error answer gets `MAX_SMALL_ANSWER_BYTES`. */
  readonly maxBytes: number;
}

/**
 * Sends one call to a provider (never following a redirect) and reads the whole answer, within
 * its limit: a body over it is hung up on and fails as the provider's (`oversizedBody`). No
 * answer becomes a {@link BackendCallError}: `connection_failed` (nothing started) for a first
 * submit, but once the provider may hold a job (`afterSubmit`) or a timer gave up on it, silence
 * means it may be running (`request_timeout`, retryable, work started). An answer whose body
 * breaks off after a first submit is `upstream_failed` with its status: the provider took it.
 */
export async function exchange(
  send: FetchFunction,
  provider: string,
  url: string,
  init: RequestInit,
  reading: ExchangeReading,
): Promise<ReadAnswer> {
  const { afterSubmit } = reading;
  let response: Response;
  try {
    response = await sendWithoutRedirects(send, url, init);
  } catch (error) {
    throw silence(error, provider, url, afterSubmit || init.signal?.aborted === true);
  }
  try {
    const maxBytes = response.ok ? reading.maxBytes : MAX_SMALL_ANSWER_BYTES;
    const what = `the answer of ${provider} at ${originOf(url)}`;
    return { response, text: await readBoundedText(response, { maxBytes, what }) };
  } catch (error) {
    if (BackendCallError.isInstance(error)) throw error;
    if (afterSubmit || init.signal?.aborted) throw silence(error, provider, url, true);
    throw new BackendCallError({
      message: `the answer of ${provider} at ${originOf(url)} broke off`,
      status: response.status,
      code: 'upstream_failed',
      retryable: true,
      workStarted: true,
      cause: error,
    });
  }
}

/** The header carrying `token` as `{scheme} {token}` (`Bearer`, fal's `Key`); none for ''. */
export function credentialHeader(scheme: string, token: string): Record<string, string> {
  return token === '' ? {} : { authorization: `${scheme} ${token}` };
}

/** `signal` (when given) joined with a timer of `timeoutMs`: a probe's or a cancel's bound. */
export function withTimeout(signal: AbortSignal | undefined, timeoutMs: number): AbortSignal {
  const timer = AbortSignal.timeout(timeoutMs);
  return signal ? AbortSignal.any([signal, timer]) : timer;
}

function silence(error: unknown, provider: string, url: string, mayRun: boolean): BackendCallError {
  if (BackendCallError.isInstance(error)) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return noAnswerError(
    mayRun ? 'request_timeout' : 'connection_failed',
    error,
    `could not reach ${provider} at ${originOf(url)}: ${reason}`,
  );
}
