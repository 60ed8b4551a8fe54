import { requestWork } from '../../shared/index.ts';
import type { BackendCall, BackendResult, ImageBackend } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import {
  type AdapterContext,
  adapterContext,
  credentialHeader,
  exchange,
  MAX_ANSWER_BYTES,
  parseJson,
  providerAnswerError,
  trimBase,
  unusableAnswer,
  workOfRequest,
} from '../provider-kit/index.ts';
import { traceHeader } from '../trace-header.ts';
import { imagesFromAnswer, kserveErrorMessage, TensorAnswerError } from './kserve-answer.ts';
import { type KserveOptions, type KserveSettings, kserveOptionsSchema } from './kserve-options.ts';
import { probeKserve } from './kserve-probe.ts';
import {
  DEFAULT_IMAGE_TENSOR,
  type InferRequestBody,
  inferBody,
  inferPath,
  withTritonTimeout,
} from './kserve-request.ts';

const PROVIDER = 'kserve';

type Context = AdapterContext<KserveSettings>;

/**
 * The adapter for NVIDIA Triton Inference Server (TensorRT models) and any KServe v2 / Open
 * Inference Protocol server: `POST {pool}/v2/models/{m}[/versions/{v}]/infer` with the prompt in
 * the pool's `promptTensor` (BYTES) and the images read from its `imageTensor` (BYTES base64 PNGs
 * or UINT8 pixels, encoded to PNG here). The model is the pool's `upstream.model`, else the
 * request's. The credential goes as `Authorization: Bearer …`, only when there is one.
 *
 * - Idempotency and cancel: the protocol has neither. Concurrent calls with one job id are joined
 *   inside this instance (one inference, same answer); cancel aborts this instance's in-flight
 *   request for the job, whose call then fails as `job_canceled` (`JoinedJobs`).
 * - Errors `{ "error": "…" }` are classified by status (Triton's queue-full is 503); a 429 or 503
 *   without `Retry-After` backs off `DEFAULT_RETRY_AFTER_SECONDS`.
 * - Load: none on answers; `probe` reads readiness and Triton's metrics, scraped by the edge.
 *
 * @example
 * const backend = createKserveBackend({ requestTimeoutMs: 120_000 });
 * const result = await backend.generate({ poolUrl, jobId, request, deadlineMs, token: '', upstream: { model: 'sdxl' } });
 */
export function createKserveBackend(options: KserveOptions = {}): ImageBackend {
  const settings = kserveOptionsSchema.parse(options);
  const context = adapterContext(settings);
  const { jobs } = context;
  return {
    protocol: PROVIDER,
    async generate(call) {
      const model = call.upstream?.model ?? call.request.model;
      if (model === undefined) {
        throw new BackendCallError({
          message: `${call.poolUrl} has no model registered and the request names none`,
          status: null,
          code: 'model_not_found',
          retryable: true,
          workStarted: false,
        });
      }
      const { body, warnings } = inferBody(call);
      const url = `${trimBase(call.poolUrl)}${inferPath(model, call.upstream?.version)}`;
      return jobs.run(call, `${url} ${JSON.stringify(body)}`, settings.requestTimeoutMs, (job, budgetMs) =>
        infer(call, url, withTritonTimeout(body, budgetMs), warnings, job.stop, context),
      );
    },
    async cancel(call) {
      // No cancel endpoint: aborting the request is all the protocol offers.
      await jobs.cancel(call.poolUrl, call.jobId, 0);
    },
    probe: (call) => probeKserve(call, settings, context.send),
    workOf: (request, defaults) => workOfRequest(requestWork, request, defaults),
  };
}

async function infer(
  call: BackendCall,
  url: string,
  body: InferRequestBody,
  warnings: readonly string[],
  signal: AbortSignal,
  context: Context,
): Promise<BackendResult> {
  const { response, text } = await exchange(
    context.send,
    PROVIDER,
    url,
    {
      method: 'POST',
      headers: {
        ...credentialHeader('Bearer', call.token),
        accept: 'application/json',
        'content-type': 'application/json',
        ...traceHeader(call),
      },
      body: JSON.stringify(body),
      signal,
    },
    // Pixels as JSON numbers (a UINT8 tensor) take several characters a byte, and the model may
    // answer another size than asked: no bound tighter than the isolate's own.
    { afterSubmit: false, maxBytes: MAX_ANSWER_BYTES },
  );
  const json = parseJson(text);
  if (!response.ok) {
    throw providerAnswerError({
      provider: PROVIDER,
      status: response.status,
      headers: response.headers,
      detail: kserveErrorMessage(json),
      token: call.token,
      jobId: call.jobId,
      now: context.now(),
      otherRefusals: 'request',
    });
  }
  let images: string[];
  try {
    images = await imagesFromAnswer(json, call.upstream?.imageTensor ?? DEFAULT_IMAGE_TENSOR);
  } catch (error) {
    if (error instanceof TensorAnswerError) throw unusableAnswer(PROVIDER, response.status, error.message);
    throw error;
  }
  if (images.length === 0) throw unusableAnswer(PROVIDER, response.status, 'no images');
  const { n } = call.request;
  const shortfall = images.length < n ? [`n: the model returned ${images.length} of ${n} images`] : [];
  return {
    response: {
      created: Math.floor(context.now() / 1000),
      data: images.slice(0, n).map((b64_json) => ({ b64_json })),
    },
    load: null,
    warnings: [...warnings, ...shortfall],
  };
}
