import type { GenerationResponse } from '../../shared/index.ts';
import { requestWork } from '../../shared/index.ts';
import type { BackendCall, BackendProbe, BackendProbeCall, BackendResult, ImageBackend } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { sendWithoutRedirects } from '../pool-fetch.ts';
import {
  type AdapterContext,
  adapterContext,
  answerLimits,
  credentialHeader,
  type DrivenJob,
  downloadPng,
  exchange,
  isPngBase64,
  parseJson,
  trimBase,
  unusableAnswer,
  withTimeout,
} from '../provider-kit/index.ts';
import { traceHeader } from '../trace-header.ts';
import {
  type OpenAiCompatibleOptions,
  type OpenAiCompatibleSettings,
  openAiCompatibleOptionsSchema,
} from './openai-compatible-options.ts';
import {
  type OpenAiImage,
  openAiErrorAnswer,
  rateLimitLoad,
  readImagesAnswer,
} from './openai-images-answer.ts';
import { openAiImagesBody } from './openai-images-request.ts';

type GeneratedImage = GenerationResponse['data'][number];
const PROVIDER = 'openai-compatible';

type Context = AdapterContext<OpenAiCompatibleSettings>;

/**
 * The adapter for any OpenAI Images API (`POST {base}/images/generations`: OpenAI, Azure OpenAI
 * deployments, Together, self-hosted servers). The pool URL is the API base, e.g.
 * `https://api.openai.com/v1`; the credential goes as `Authorization: Bearer …` (none when '').
 *
 * - Idempotency: the API has none. Concurrent calls with one job id on one pool are joined inside
 *   this instance: one upstream request, every caller gets its answer (`JoinedJobs`).
 * - Cancel: there is no cancel endpoint; cancel aborts this instance's in-flight request for the
 *   job, whose call then fails as `job_canceled`. Cancelling an unknown job resolves.
 * - Load: OpenAI documents only its rate-limit headers, mapped to `result.load` (and an error's
 *   `load`) as saturation of the request allowance (`rateLimitLoad`); providers that send none
 *   leave load null and the edge counts its own in-flight calls.
 * - Options the API has no field for (`steps`, `seed`, a non-default `priority`) come back as
 *   warnings; `workOf` counts the model's default steps, since the provider picks its own.
 * - An answer by `url` is fetched (no credential, no redirect followed) and returned as base64;
 *   every image must be a PNG.
 * - `probe` asks `GET {base}/models`: ready on 200, or on 404/405 (a server without that route); the protocol has no queue figures.
 *
 * @example
 * const backend = createOpenAiCompatibleBackend({ requestTimeoutMs: 120_000 });
 * const { response } = await backend.generate({ poolUrl: 'https://api.openai.com/v1', jobId, request, deadlineMs, token });
 */
export function createOpenAiCompatibleBackend(options: OpenAiCompatibleOptions = {}): ImageBackend {
  const settings = openAiCompatibleOptionsSchema.parse(options);
  const context = adapterContext(settings);
  const { jobs } = context;
  return {
    protocol: PROVIDER,
    async generate(call) {
      const { body, warnings } = openAiImagesBody(call);
      const text = JSON.stringify(body);
      return jobs.run(call, text, settings.requestTimeoutMs, (job) =>
        generate(call, text, warnings, job, context),
      );
    },
    async cancel(call) {
      // No cancel endpoint: aborting the request is all the protocol offers.
      await jobs.cancel(call.poolUrl, call.jobId, 0);
    },
    probe: (call) => probe(call, context),
    workOf: (request, defaults) =>
      requestWork({ n: request.n, steps: defaults.steps, size: request.size ?? defaults.size }),
  };
}

async function generate(
  call: BackendCall,
  body: string,
  warnings: string[],
  job: DrivenJob,
  context: Context,
): Promise<BackendResult> {
  // The asked size is only a hint to a provider (a model may answer another): images are bounded
  // by `maxImageBytes` and their share of what one answer may hold.
  const limits = answerLimits(call.request.n, context.settings.maxImageBytes);
  const { response, text } = await exchange(
    context.send,
    PROVIDER,
    `${trimBase(call.poolUrl)}/images/generations`,
    {
      method: 'POST',
      headers: {
        ...credentialHeader('Bearer', call.token),
        accept: 'application/json',
        'content-type': 'application/json',
        ...traceHeader(call),
      },
      body,
      signal: job.stop,
    },
    { afterSubmit: false, maxBytes: limits.answerBytes },
  );
  const json = parseJson(text);
  if (!response.ok)
    throw openAiErrorAnswer(response, json, { token: call.token, jobId: call.jobId, now: context.now() });
  const answer = readImagesAnswer(json);
  if (!answer) throw unusableAnswer(PROVIDER, response.status, 'a body that is not an Images answer');
  const data: GeneratedImage[] = [];
  for (const image of answer.data.slice(0, call.request.n)) {
    data.push(await imageOf(image, call, job.stop, context, response.status, limits.imageBytes));
  }
  const shortfall =
    data.length < call.request.n
      ? [`n: the provider returned ${data.length} of ${call.request.n} images`]
      : [];
  return {
    // The edge's clock, as every adapter's: a provider's `created` is not one the edge vouches for.
    response: { created: Math.floor(context.now() / 1000), data },
    load: rateLimitLoad(response.headers),
    warnings: [...warnings, ...shortfall],
  };
}

/** One answered image as `b64_json` PNG; a `url` answer is fetched without credential or redirect. */
async function imageOf(
  image: OpenAiImage,
  call: BackendCall,
  signal: AbortSignal,
  context: Context,
  status: number,
  maxBytes: number,
): Promise<GeneratedImage> {
  const b64 =
    image.b64_json ??
    (image.url === undefined
      ? undefined
      : await downloadPng(image.url, {
          provider: PROVIDER,
          send: context.send,
          poolUrl: call.poolUrl,
          credential: {},
          signal,
          maxBytes,
          refuseUrl: context.settings.refuseOutputUrl,
        }));
  if (b64 === undefined || !isPngBase64(b64))
    throw unusableAnswer(PROVIDER, status, 'an image that is not a PNG');
  return {
    b64_json: b64,
    ...(image.revised_prompt === undefined ? {} : { revised_prompt: image.revised_prompt }),
  };
}

async function probe(call: BackendProbeCall, context: Context): Promise<BackendProbe> {
  try {
    const response = await sendWithoutRedirects(context.send, `${trimBase(call.poolUrl)}/models`, {
      method: 'GET',
      headers: { ...credentialHeader('Bearer', call.token), accept: 'application/json' },
      signal: withTimeout(call.signal, context.settings.probeTimeoutMs),
    });
    await response.body?.cancel().catch(() => undefined);
    // A server that answers at all is up; only a refused key or a failing server is not ready.
    // Many self-hosted images servers have no `/models` (404/405), and that says nothing bad.
    return response.ok || response.status === 404 || response.status === 405
      ? { ready: true }
      : { ready: false, detail: `GET /models answered ${response.status}` };
  } catch (error) {
    const detail = BackendCallError.isInstance(error) ? error.message : 'GET /models got no answer';
    return { ready: false, detail };
  }
}
