import type {
  BackendCall,
  BackendCancelCall,
  BackendResult,
  FetchFunction,
  ImageBackend,
} from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { noAnswerError } from '../failure-policy.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import {
  answerLimits,
  largestPngBytes,
  MAX_SMALL_ANSWER_BYTES,
  originOf,
  readBoundedText,
} from '../provider-kit/index.ts';
import { traceHeader } from '../trace-header.ts';
import { errorAnswer, readGenerateAnswer } from './gpu-node-answer.ts';
import { type GpuNodeOptions, type GpuNodeSettings, gpuNodeOptionsSchema } from './gpu-node-options.ts';
import { readGenerateStream } from './gpu-node-stream.ts';

/** The most `deadline_ms` a pool accepts (shared request schema). */
const maxDeadlineMs = 3_600_000;

/**
 * The adapter for Spillway's own gpu-node pools: `POST /v1/generate` with the job id as
 * idempotency key, `DELETE /v1/jobs/:id` to cancel, load piggybacked on every answer. No call
 * follows a redirect: a 3xx is that pool's retryable failure (`sendWithoutRedirects`).
 *
 * @example
 * const backend = createGpuNodeBackend({ requestTimeoutMs: 60_000 });
 * const { response, load } = await backend.generate({ poolUrl, jobId, request, deadlineMs, token });
 */
export function createGpuNodeBackend(options: GpuNodeOptions = {}): ImageBackend {
  const settings = gpuNodeOptionsSchema.parse(options);
  // Called through a closure: a Worker's global fetch throws "Illegal invocation" when called
  // as a method of another object.
  const send: FetchFunction = settings.fetch ?? ((url, init) => fetch(url, init));
  const now = settings.now ?? (() => Date.now());
  return {
    protocol: 'gpu-node',
    acknowledges: true,
    generate: (call) => generate(call, settings, send, now),
    cancel: (call) => cancel(call, settings, send, now),
  };
}

async function generate(
  call: BackendCall,
  settings: GpuNodeSettings,
  send: FetchFunction,
  now: () => number,
): Promise<BackendResult> {
  if (!(call.deadlineMs > 0)) {
    throw new BackendCallError({
      message: 'no time left for this call; nothing was sent',
      status: null,
      code: 'deadline_exceeded',
      retryable: false,
      workStarted: false,
    });
  }
  const budgetMs = Math.min(maxDeadlineMs, Math.ceil(call.deadlineMs));
  const timeoutMs = Math.min(budgetMs, settings.requestTimeoutMs ?? budgetMs);
  const capped = timeoutMs < budgetMs;
  const timer = AbortSignal.timeout(timeoutMs);
  const signal = call.signal ? AbortSignal.any([call.signal, timer]) : timer;
  // The pool gets the whole remaining budget even when we stop listening earlier: an answer it
  // cannot give in time is a 504 that stops failover, whereas hanging up makes it drop the job.
  // The client's end-user id (`user`) stays at the edge: a provider has no use for it.
  const body = {
    ...call.request,
    user: undefined,
    response_format: 'b64_json',
    deadline_ms: budgetMs,
    job_id: call.jobId,
  };
  let response: Response;
  try {
    response = await sendWithoutRedirects(send, `${base(call.poolUrl)}/v1/generate`, {
      method: 'POST',
      headers: {
        // Progress needs gpu-node's event stream; without a listener the plain answer is cheaper.
        accept: call.onProgress ? 'text/event-stream' : 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${call.token}`,
        ...traceHeader(call),
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (BackendCallError.isInstance(error)) throw error;
    throw noAnswer(error, call, timer, capped);
  }
  const onProgress = call.onProgress;
  // A pool answers the size asked for (or refuses it): the largest PNG of that size bounds it.
  const limits = answerLimits(call.request.n, largestPngBytes(call.request.size) ?? settings.maxImageBytes);
  const what = `the answer of ${originOf(call.poolUrl)}`;
  if (
    onProgress &&
    response.ok &&
    /\btext\/event-stream\b/.test(response.headers.get('content-type') ?? '')
  ) {
    try {
      return await readGenerateStream(response, call.request.n, now, onProgress, {
        maxBytes: limits.answerBytes,
        what,
        edgeCapped: limits.edgeCapped,
      });
    } catch (error) {
      if (BackendCallError.isInstance(error)) throw error;
      if (signal.aborted) throw noAnswer(error, call, timer, capped);
      throw brokeOff(call, response, error);
    }
  }
  let text: string;
  try {
    text = await readBoundedText(
      response,
      response.ok
        ? { maxBytes: limits.answerBytes, what, edgeCapped: limits.edgeCapped }
        : { maxBytes: MAX_SMALL_ANSWER_BYTES, what },
    );
  } catch (error) {
    if (BackendCallError.isInstance(error)) throw error;
    if (signal.aborted) throw noAnswer(error, call, timer, capped);
    throw brokeOff(call, response, error);
  }
  return readGenerateAnswer(response, text, call.request.n, now());
}

function brokeOff(call: BackendCall, response: Response, cause: unknown): BackendCallError {
  return new BackendCallError({
    message: `the answer from ${call.poolUrl} broke off`,
    status: response.status,
    code: 'upstream_failed',
    retryable: true,
    workStarted: true,
    cause,
  });
}

function noAnswer(error: unknown, call: BackendCall, timer: AbortSignal, capped: boolean): BackendCallError {
  if (call.signal?.aborted) return noAnswerError('job_canceled', error, 'the caller aborted the call');
  if (timer.aborted) {
    return capped
      ? noAnswerError('request_timeout', error, `${call.poolUrl} did not answer within requestTimeoutMs`)
      : noAnswerError('deadline_exceeded', error, `${call.poolUrl} did not answer within the deadline`);
  }
  const reason = error instanceof Error ? error.message : String(error);
  return noAnswerError('connection_failed', error, `could not reach ${call.poolUrl}: ${reason}`);
}

async function cancel(
  call: BackendCancelCall,
  settings: GpuNodeSettings,
  send: FetchFunction,
  now: () => number,
): Promise<void> {
  const timer = AbortSignal.timeout(settings.cancelTimeoutMs);
  let response: Response;
  try {
    response = await sendWithoutRedirects(
      send,
      `${base(call.poolUrl)}/v1/jobs/${encodeURIComponent(call.jobId)}`,
      {
        method: 'DELETE',
        headers: { accept: 'application/json', authorization: `Bearer ${call.token}` },
        signal: timer,
      },
    );
  } catch (error) {
    if (BackendCallError.isInstance(error)) throw error;
    const reason = timer.aborted ? 'request_timeout' : 'connection_failed';
    throw noAnswerError(reason, error, `could not cancel ${call.jobId} on ${call.poolUrl}`);
  }
  const text = await readBoundedText(response, {
    maxBytes: MAX_SMALL_ANSWER_BYTES,
    what: `the cancel answer of ${originOf(call.poolUrl)}`,
  }).catch((error: unknown) => {
    if (BackendCallError.isInstance(error) && !(response.ok || response.status === 404)) throw error;
    return '';
  });
  // 404: the pool no longer has the job (finished, failed or never admitted): nothing to stop.
  if (response.ok || response.status === 404) return;
  throw errorAnswer(response, text, now());
}

function base(poolUrl: string): string {
  return poolUrl.replace(/\/+$/, '');
}
