import { attemptSignal, sleep, throwIfAborted } from './abort.ts';
import { clientError, SpillwayError } from './errors.ts';
import { newIdempotencyKey } from './idempotency-key.ts';
import type { CreateOptions, ResolvedOptions } from './options.ts';
import { parseErrorEnvelope } from './parse.ts';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.ts';

/** One logical API call; the transport may make several attempts at it. */
export interface CallSpec extends CreateOptions {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
}

/** A successful response whose body the caller reads; `release` must be called when done. */
export interface OpenResponse {
  response: Response;
  release(): void;
}

/** Sends a call and parses its JSON body. */
export async function callJson(options: ResolvedOptions, spec: CallSpec): Promise<unknown> {
  return (await callJsonWithHeaders(options, spec)).body;
}

/** Sends a call; its JSON body and the successful response's headers. */
export async function callJsonWithHeaders(
  options: ResolvedOptions,
  spec: CallSpec,
): Promise<{ body: unknown; headers: Headers }> {
  const { response, release } = await open(options, spec, true);
  try {
    return { body: await response.json(), headers: response.headers };
  } catch (cause) {
    throw clientError('invalid_response', 'the response body is not JSON', cause);
  } finally {
    release();
  }
}

/**
 * Sends a call, retrying retryable failures with full-jitter backoff (or the server's
 * `Retry-After`), refreshing the token once after a 401. A POST carries one `Idempotency-Key`
 * across all its attempts so the server can tell a retry from a new request.
 */
export async function open(
  options: ResolvedOptions,
  spec: CallSpec,
  timeBody = false,
): Promise<OpenResponse> {
  const maxRetries = spec.maxRetries ?? options.maxRetries;
  const idempotencyKey = spec.method === 'POST' ? (spec.idempotencyKey ?? newIdempotencyKey()) : undefined;
  let refreshed = false;
  let forceRefresh = false;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(spec.signal);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...options.headers,
      ...spec.headers,
    };
    const token = options.tokenProvider
      ? await tokenFrom(options.tokenProvider, forceRefresh, spec.signal)
      : options.apiKey;
    forceRefresh = false;
    if (token) headers.authorization = `Bearer ${token}`;
    if (idempotencyKey) headers['idempotency-key'] = idempotencyKey;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    const linked = attemptSignal(spec.signal, spec.timeoutMs ?? options.timeoutMs);
    let failure: SpillwayError;
    let handedOver = false;
    try {
      const response = await options.fetch(`${options.baseUrl}${spec.path}`, {
        method: spec.method,
        headers,
        ...(spec.body === undefined ? {} : { body: JSON.stringify(spec.body) }),
        signal: linked.signal,
      });
      if (response.ok) {
        if (!timeBody) linked.clearTimer();
        handedOver = true;
        return { response, release: linked.release };
      }
      if (response.status === 401 && options.tokenProvider && !refreshed) {
        refreshed = true;
        forceRefresh = true;
        attempt--;
        await response.body?.cancel();
        continue;
      }
      failure = await errorFromResponse(response);
    } catch (cause) {
      if (spec.signal?.aborted) throw spec.signal.reason ?? cause;
      failure =
        cause instanceof SpillwayError
          ? cause
          : linked.timedOut()
            ? clientError('timeout', `no response within ${spec.timeoutMs ?? options.timeoutMs} ms`, cause)
            : clientError('connection_error', 'the request did not reach Spillway', cause);
    } finally {
      if (!handedOver) linked.release();
    }
    const retryable = failure.status === 0 || isRetryableStatus(failure.status, failure.retryAfter !== null);
    const waitSeconds = failure.retryAfter;
    if (!retryable || attempt >= maxRetries || (waitSeconds ?? 0) > options.maxRetryAfterSeconds)
      throw failure;
    await sleep(waitSeconds === null ? backoffDelay(attempt, options) : waitSeconds * 1000, spec.signal);
  }
}

/** Builds the typed error of a failed response from its envelope and headers. */
export async function errorFromResponse(response: Response): Promise<SpillwayError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON (a proxy's HTML page, say): the status alone describes it.
  }
  const envelope = parseErrorEnvelope(body);
  return new SpillwayError({
    status: response.status,
    code: envelope?.error.code ?? `http_${response.status}`,
    type: envelope?.error.type ?? (response.status >= 500 ? 'server_error' : 'invalid_request_error'),
    message: envelope?.error.message ?? `HTTP ${response.status}`,
    param: envelope?.error.param ?? null,
    requestId: response.headers.get('x-request-id') ?? envelope?.request_id ?? null,
    retryAfter: parseRetryAfter(response.headers.get('retry-after'), Date.now()),
  });
}

/** The app's token, or a `token_unavailable` SpillwayError saying its provider failed (an abort stays an abort). */
async function tokenFrom(
  provider: NonNullable<ResolvedOptions['tokenProvider']>,
  forceRefresh: boolean,
  signal: AbortSignal | undefined,
): Promise<string> {
  try {
    return await provider({ forceRefresh, ...(signal ? { signal } : {}) });
  } catch (cause) {
    if (signal?.aborted) throw signal.reason ?? cause;
    if (cause instanceof SpillwayError) throw cause;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw clientError('token_unavailable', `the tokenProvider failed: ${message}`, cause);
  }
}
