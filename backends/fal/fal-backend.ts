import type { BackendCall, BackendCancelCall, BackendResult, ImageBackend } from '../backend.ts';
import {
  type AdapterContext,
  adapterContext,
  answerLimits,
  credentialHeader,
  type DrivenJob,
  exchange,
  followJob,
  MAX_SMALL_ANSWER_BYTES,
  outputResult,
  parseJson,
  stopJob,
  trustedUrl,
  unusableAnswer,
  workOfRequest,
} from '../provider-kit/index.ts';
import { traceHeader } from '../trace-header.ts';
import { falInput } from './fal-input.ts';
import { type FalOptions, type FalSettings, falOptionsSchema } from './fal-options.ts';
import { asResult, asStatus, asSubmitted, type FalEndpoints, falEndpoints, falError } from './fal-queue.ts';

const PROVIDER = 'fal';
/** Extra time a submit may take beyond the call's budget before the adapter stops listening. */
const SUBMIT_GRACE_MS = 10_000;

type Context = AdapterContext<FalSettings>;

/** Where one queue request lives, from fal's answer when it names the pool's origin. */
interface Located {
  readonly status: string;
  readonly result: string;
  readonly cancel: string;
}

/**
 * The adapter for fal's queue API (https://docs.fal.ai/model-endpoints/queue): submit to the
 * app's queue URL, poll `…/status?logs=0` (each `queue_position` goes to `onProgress` as the
 * pool's load signal), read the result, download its `images[].url`; cancel with `PUT
 * …/cancel`. The key goes as `Authorization: Key …` to the pool's origin only; URLs in fal's
 * answers are followed only on that origin, images are fetched from fal's CDN without the key,
 * and no call follows a redirect.
 *
 * @example
 * const backend = createFalBackend({ pollIntervalMs: 250 });
 * const { response } = await backend.generate({
 *   poolUrl: 'https://queue.fal.run/fal-ai/fast-sdxl', jobId, request, deadlineMs, token,
 * });
 */
export function createFalBackend(options: FalOptions = {}): ImageBackend {
  const settings = falOptionsSchema.parse(options);
  const context = adapterContext(settings);
  return {
    protocol: PROVIDER,
    generate: (call) => generate(call, context),
    cancel: (call) => cancel(call, context),
    workOf: (request, defaults) => workOfRequest(settings.work, request, defaults),
  };
}

async function generate(call: BackendCall, context: Context): Promise<BackendResult> {
  const { input, warnings } = falInput(call.request);
  const body = JSON.stringify(input);
  return context.jobs.run(call, body, context.settings.requestTimeoutMs, (job, budgetMs) =>
    drive(job, call, body, warnings, budgetMs, context),
  );
}

async function drive(
  job: DrivenJob,
  call: BackendCall,
  body: string,
  warnings: readonly string[],
  budgetMs: number,
  context: Context,
): Promise<BackendResult> {
  const endpoints = falEndpoints(call.poolUrl);
  // Never aborted by a cancel: only the answer names the request to cancel.
  const submitted = await exchange(
    context.send,
    PROVIDER,
    endpoints.submit,
    {
      method: 'POST',
      headers: { ...headers(call.token), 'content-type': 'application/json', ...traceHeader(call) },
      body,
      signal: AbortSignal.timeout(budgetMs + SUBMIT_GRACE_MS),
    },
    { afterSubmit: false, maxBytes: MAX_SMALL_ANSWER_BYTES },
  );
  if (!submitted.response.ok)
    throw falError(submitted.response, submitted.text, { ...call, now: context.now() });
  const request = asSubmitted(parseJson(submitted.text));
  if (!request)
    throw unusableAnswer(PROVIDER, submitted.response.status, 'a submit answer without request_id');
  const at = locate(request, endpoints, call.poolUrl);
  job.named(() => cancelRequest(call, context, at.cancel));
  if (request.queuePosition !== null) job.progress({ kind: 'queued', position: request.queuePosition });
  return followJob(job, call, {
    intervalMs: context.settings.pollIntervalMs,
    poll: (signal) => poll(at, job, call, context, signal),
    settle: async (status) =>
      status === 'COMPLETED' ? await result(at, job, call, warnings, context) : null,
  });
}

/** Polls the request's status once, passing a queue position on; returns the status. */
async function poll(
  at: Located,
  job: DrivenJob,
  call: BackendCall,
  context: Context,
  signal: AbortSignal,
): Promise<string> {
  const { response, text } = await exchange(
    context.send,
    PROVIDER,
    withQuery(at.status, 'logs', '0'),
    { method: 'GET', headers: headers(call.token), signal },
    { afterSubmit: true, maxBytes: MAX_SMALL_ANSWER_BYTES },
  );
  if (!response.ok) throw falError(response, text, { ...call, now: context.now() });
  const status = asStatus(parseJson(text));
  if (!status) throw unusableAnswer(PROVIDER, response.status, 'a status answer without status');
  if (status.status === 'IN_QUEUE') job.progress({ kind: 'queued', position: status.queuePosition ?? 0 });
  return status.status;
}

async function result(
  at: Located,
  job: DrivenJob,
  call: BackendCall,
  warnings: readonly string[],
  context: Context,
): Promise<BackendResult> {
  // The result may carry images as data URLs, and a model may answer another size than asked:
  // images are bounded by `maxImageBytes` and their share of one answer.
  const limits = answerLimits(call.request.n, context.settings.maxImageBytes);
  try {
    const { response, text } = await exchange(
      context.send,
      PROVIDER,
      at.result,
      { method: 'GET', headers: headers(call.token), signal: job.stop },
      { afterSubmit: true, maxBytes: limits.answerBytes },
    );
    if (!response.ok) throw falError(response, text, { ...call, now: context.now() });
    const answer = asResult(parseJson(text));
    if (!answer || answer.urls.length === 0)
      throw unusableAnswer(PROVIDER, response.status, 'a result without images');
    // fal reports the seed it used, also a random one; it names image 0 only when n > 1.
    return await outputResult(job, call, answer.urls, {
      provider: PROVIDER,
      send: context.send,
      credential: credentialHeader('Key', call.token),
      maxBytes: limits.imageBytes,
      refuseUrl: context.settings.refuseOutputUrl,
      now: context.now,
      seed: answer.seed,
      warnings,
    });
  } catch (error) {
    if (job.stop.aborted) return await stopJob(job, call);
    throw error;
  }
}

/** The request's URLs: fal's own where they are on the pool's origin, else built from the pool URL. */
function locate(
  request: { requestId: string; statusUrl: unknown; responseUrl: unknown; cancelUrl: unknown },
  endpoints: FalEndpoints,
  poolUrl: string,
): Located {
  const id = request.requestId;
  return {
    status: trustedUrl(request.statusUrl, endpoints.status(id), poolUrl),
    result: trustedUrl(request.responseUrl, endpoints.result(id), poolUrl),
    cancel: trustedUrl(request.cancelUrl, endpoints.cancel(id), poolUrl),
  };
}

function headers(token: string): Record<string, string> {
  return { accept: 'application/json', ...credentialHeader('Key', token) };
}

function withQuery(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

/**
 * Cancels the queue request this instance submitted for the job. A job it does not run
 * (finished, or started elsewhere) resolves without a request: fal takes no id of ours.
 */
async function cancel(call: BackendCancelCall, context: Context): Promise<void> {
  await context.jobs.cancel(call.poolUrl, call.jobId, context.settings.cancelTimeoutMs);
}

async function cancelRequest(call: BackendCall, context: Context, url: string): Promise<void> {
  const { response, text } = await exchange(
    context.send,
    PROVIDER,
    url,
    {
      method: 'PUT',
      headers: headers(call.token),
      signal: AbortSignal.timeout(context.settings.cancelTimeoutMs),
    },
    { afterSubmit: true, maxBytes: MAX_SMALL_ANSWER_BYTES },
  );
  // 202 CANCELLATION_REQUESTED; 400 ALREADY_COMPLETED and 404 NOT_FOUND: nothing left to stop.
  if (response.ok || response.status === 400 || response.status === 404) return;
  throw falError(response, text, { ...call, now: context.now() });
}
