import type { BackendCall, BackendCancelCall, BackendResult, ImageBackend } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { noAnswerError } from '../failure-policy.ts';
import {
  type AdapterContext,
  type AnswerLimits,
  adapterContext,
  answerLimits,
  credentialHeader,
  type DrivenJob,
  exchange,
  followJob,
  outputResult,
  parseJson,
  trustedUrl,
  unusableAnswer,
  workOfRequest,
} from '../provider-kit/index.ts';
import { traceHeader } from '../trace-header.ts';
import { replicateInput } from './replicate-input.ts';
import {
  type ReplicateOptions,
  type ReplicateSettings,
  replicateOptionsSchema,
} from './replicate-options.ts';
import {
  asPrediction,
  outputUrls,
  type Prediction,
  type ReplicateEndpoints,
  replicateEndpoints,
  replicateError,
  stepOf,
} from './replicate-prediction.ts';
import { probeReplicate } from './replicate-probe.ts';

const PROVIDER = 'replicate';
/** Time kept back from `Prefer: wait` so a held create answers before the call's deadline. */
const WAIT_MARGIN_MS = 1_000;
/** Extra time a held create may take beyond its `Prefer: wait` before the adapter stops listening. */
const CREATE_GRACE_MS = 10_000;

type Context = AdapterContext<ReplicateSettings>;

/**
 * The adapter for Replicate's predictions API (https://replicate.com/docs/reference/http):
 * `POST {pool}/predictions` with `Prefer: wait=n`, then `GET /v1/predictions/{id}` until the
 * prediction is terminal, `POST /v1/predictions/{id}/cancel` to cancel. The key goes as
 * `Authorization: Bearer …` to the pool's origin only; output files are downloaded from their
 * delivery host without it, and no call follows a redirect.
 *
 * @example
 * const backend = createReplicateBackend({ pollIntervalMs: 500 });
 * const { response } = await backend.generate({
 *   poolUrl: 'https://api.replicate.com/v1/models/stability-ai/sdxl', jobId, request, deadlineMs, token,
 * });
 */
export function createReplicateBackend(options: ReplicateOptions = {}): ImageBackend {
  const settings = replicateOptionsSchema.parse(options);
  const context = adapterContext(settings);
  return {
    protocol: PROVIDER,
    generate: (call) => generate(call, context),
    cancel: (call) => cancel(call, context),
    probe: (call) => probeReplicate(call, context.send, settings.probeTimeoutMs),
    workOf: (request, defaults) => workOfRequest(settings.work, request, defaults),
  };
}

async function generate(call: BackendCall, context: Context): Promise<BackendResult> {
  const { input, warnings } = replicateInput(call.request);
  const version = call.upstream?.version;
  const body = JSON.stringify(version === undefined ? { input } : { version, input });
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
  const endpoints = replicateEndpoints(call.poolUrl, call.upstream?.version);
  const waitSeconds = Math.min(
    context.settings.syncWaitSeconds,
    Math.floor((budgetMs - WAIT_MARGIN_MS) / 1000),
  );
  // The create is never aborted by a cancel: only its answer names the prediction to cancel.
  const created = await exchangePrediction(call, context, endpoints.create, false, {
    method: 'POST',
    headers: {
      ...headers(call.token),
      'content-type': 'application/json',
      ...(waitSeconds >= 1 ? { prefer: `wait=${waitSeconds}` } : {}),
      ...traceHeader(call),
    },
    body,
    signal: AbortSignal.timeout(Math.max(budgetMs, waitSeconds * 1000) + CREATE_GRACE_MS),
  });
  job.named(() =>
    cancelPrediction(
      call,
      context,
      trustedUrl(created.urls.cancel, endpoints.cancel(created.id), call.poolUrl),
    ),
  );
  let latest = created;
  return followJob(job, call, {
    intervalMs: context.settings.pollIntervalMs,
    initial: created,
    poll: async (signal) => {
      latest = await poll(latest, endpoints, call, context, signal);
      return latest;
    },
    settle: (prediction) => settle(prediction, job, call, warnings, context),
  });
}

/** The call's result for a terminal prediction, its error, or null while it runs. */
async function settle(
  prediction: Prediction,
  job: DrivenJob,
  call: BackendCall,
  warnings: readonly string[],
  context: Context,
): Promise<BackendResult | null> {
  switch (prediction.status) {
    case 'succeeded': {
      const urls = outputUrls(prediction.output);
      if (urls.length === 0)
        throw unusableAnswer(PROVIDER, 200, 'a succeeded prediction without output files');
      return await outputResult(job, call, urls, {
        provider: PROVIDER,
        send: context.send,
        credential: credentialHeader('Bearer', call.token),
        maxBytes: limitsOf(call, context).imageBytes,
        refuseUrl: context.settings.refuseOutputUrl,
        now: context.now,
        seed: call.request.seed ?? null,
        warnings,
      });
    }
    case 'failed':
      // Replicate does not tell the input's fault from the model's: another pool may succeed.
      throw new BackendCallError({
        message: `replicate prediction failed: ${prediction.error ?? 'no reason given'}`,
        status: null,
        code: 'upstream_failed',
        retryable: true,
        workStarted: true,
      });
    case 'canceled':
      throw noAnswerError('job_canceled', undefined, 'the prediction was canceled at replicate');
    case 'aborted':
      // Terminated before it started (Replicate's own deadline on the prediction): nothing ran.
      throw new BackendCallError({
        message: 'replicate aborted the prediction before it started',
        status: null,
        code: 'upstream_failed',
        retryable: true,
        workStarted: false,
      });
    default: {
      const step = prediction.status === 'processing' ? stepOf(prediction.logs) : null;
      if (step) job.progress({ kind: 'progress', ...step });
      return null;
    }
  }
}

async function poll(
  prediction: Prediction,
  endpoints: ReplicateEndpoints,
  call: BackendCall,
  context: Context,
  signal: AbortSignal,
): Promise<Prediction> {
  const url = trustedUrl(prediction.urls.get, endpoints.prediction(prediction.id), call.poolUrl);
  return exchangePrediction(call, context, url, true, {
    method: 'GET',
    headers: headers(call.token),
    signal,
  });
}

/** Sends one call to the pool and reads a prediction from its answer, or throws its error. */
async function exchangePrediction(
  call: BackendCall,
  context: Context,
  url: string,
  afterSubmit: boolean,
  init: RequestInit,
): Promise<Prediction> {
  const { response, text } = await exchange(context.send, PROVIDER, url, init, {
    afterSubmit,
    maxBytes: limitsOf(call, context).answerBytes,
  });
  if (!response.ok) throw replicateError(response, text, { ...call, now: context.now() });
  const prediction = asPrediction(parseJson(text));
  if (!prediction) throw unusableAnswer(PROVIDER, response.status, 'a body that is not a prediction');
  return prediction;
}

/**
 * What the call's answers may hold. A prediction may carry its output as data URLs, and a model
 * may answer another size than asked: images are bounded by `maxImageBytes` and their share.
 */
function limitsOf(call: BackendCall, context: Context): AnswerLimits {
  return answerLimits(call.request.n, context.settings.maxImageBytes);
}

function headers(token: string): Record<string, string> {
  return { accept: 'application/json', ...credentialHeader('Bearer', token) };
}

/**
 * Cancels the prediction this instance created for the job. A job it does not run (finished, or
 * started elsewhere) resolves without a request: Replicate takes no id of ours to look one up by.
 */
async function cancel(call: BackendCancelCall, context: Context): Promise<void> {
  await context.jobs.cancel(call.poolUrl, call.jobId, context.settings.cancelTimeoutMs);
}

async function cancelPrediction(call: BackendCall, context: Context, url: string): Promise<void> {
  const { response, text } = await exchange(
    context.send,
    PROVIDER,
    url,
    {
      method: 'POST',
      headers: headers(call.token),
      signal: AbortSignal.timeout(context.settings.cancelTimeoutMs),
    },
    { afterSubmit: true, maxBytes: limitsOf(call, context).answerBytes },
  );
  // 200 answers the prediction (canceled, or already finished: nothing left to stop); 404: none.
  if (response.ok || response.status === 404) return;
  throw replicateError(response, text, { ...call, now: context.now() });
}
