import type { ServerResponse } from 'node:http';
import {
  Gate,
  type Listening,
  listen,
  type ProviderRequest,
  pixels,
  pngBase64,
  sendJson,
  work,
} from './provider-http.ts';

/**
 * A local stand-in for NVIDIA Triton Inference Server speaking the KServe v2 / Open Inference
 * Protocol (https://kserve.github.io/website/docs/concepts/architecture/data-plane/v2-protocol,
 * https://github.com/kserve/open-inference-protocol/blob/main/specification/protocol/inference_rest.md):
 * - `GET /v2/health/live`, `/v2/health/ready`, `/v2/models/{m}[/versions/{v}]/ready`: 200 = true,
 *   4xx = false; `GET /v2/models/{m}`: `{ name, versions, platform, inputs, outputs }`;
 * - `POST /v2/models/{m}[/versions/{v}]/infer` `{ id, parameters, inputs, outputs }` →
 *   `{ model_name, model_version, id, outputs: [{ name, datatype, shape, data }] }`; errors are
 *   `{ "error": "…" }` with 400 (bad input), 404 (unknown model), 503 (Triton's queue full:
 *   "Exceeds maximum queue size", no `Retry-After`);
 * - Prometheus metrics on a port of their own, as Triton's 8002
 *   (https://docs.nvidia.com/deeplearning/triton-inference-server/user-guide/docs/user_guide/metrics.html):
 *   `nv_inference_pending_request_count` counts requests really held inside this server,
 *   `nv_inference_queue_duration_us` the µs they waited, `nv_inference_exec_count` executions,
 *   `nv_gpu_utilization` two GPUs; a second model (`other-model`) always reports 5 pending, so a
 *   client must filter by the `model` label.
 * The served model reads `n`, `width`, `height` from the request's `parameters`. Images are real
 * PNGs (pngjs) or raw UINT8 pixels. Auth (`apiKey`) stands for a gateway in front of KServe.
 */
export interface KserveServerOptions {
  /** The model served (default `sd-turbo`, version `1`). */
  readonly model?: string;
  readonly version?: string;
  readonly promptTensor?: string;
  readonly imageTensor?: string;
  /** `BYTES`: base64 PNG elements, shape `[n]` (default); `UINT8`: pixels, shape `[n, h, w, 3]`. */
  readonly imageDatatype?: 'BYTES' | 'UINT8';
  /** Sizes (`WxH`) the model accepts; others are a 400. Default 64x64, 256x256, 512x512. */
  readonly sizes?: readonly string[];
  /** The key `Authorization: Bearer …` must carry (metrics excepted); none needed when absent. */
  readonly apiKey?: string;
  /** Ms an inference takes, from its body (default 0); it stops early when the client hangs up. */
  readonly latencyMs?: (body: Record<string, unknown>) => number;
  /** Inferences in flight beyond which it answers 503 queue full. Default: unlimited. */
  readonly capacity?: number;
}

/** A running fake with its controls. */
export interface KserveServer {
  /** Base URL of the inference API (the pool URL). */
  readonly url: string;
  /** Where its Prometheus metrics are served (another port). */
  readonly metricsUrl: string;
  /** Every request received on the inference API, in order. */
  readonly requests: ProviderRequest[];
  /** Holds the next `count` inferences inside the server (pending) until `release()`. */
  holdNext(count: number): { release(): void };
  /** Inferences held right now: what `nv_inference_pending_request_count` reports. */
  readonly waiting: number;
  /** When a number, every inference answers 429 with that `Retry-After`; null to stop. */
  rateLimited: number | null;
  /** `/v2/health/ready` answers 200 while true (default), 400 otherwise. */
  serverReady: boolean;
  /** `/v2/models/{m}/ready` answers 200 while true (default), 400 otherwise. */
  modelReady: boolean;
  close(): Promise<void>;
}

const DEFAULT_SIZES = ['64x64', '256x256', '512x512'];
/** Another model's pending requests, always in the metrics. */
const OTHER_MODEL_PENDING = 5;

/** Starts the fake (inference and metrics listeners) on 127.0.0.1. */
export async function startKserveServer(options: KserveServerOptions = {}): Promise<KserveServer> {
  const model = options.model ?? 'sd-turbo';
  const version = options.version ?? '1';
  const gate = new Gate();
  const requests: ProviderRequest[] = [];
  const state = { rateLimited: null as number | null, serverReady: true, modelReady: true, inFlight: 0 };
  const totals = { executions: 0, queueUs: 0 };
  const modelPath = new RegExp(`^/v2/models/${model}(?:/versions/${version})?(/ready|/infer)?$`);

  const api = await listen(async (request, text, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      return sendJson(response, 401, { error: 'unauthorized' });
    }
    if (path === '/v2/health/live') return ready(response, true);
    if (path === '/v2/health/ready') return ready(response, state.serverReady);
    const match = modelPath.exec(path);
    if (!match)
      return sendJson(response, 404, { error: `Request for unknown model: '${path}' is not found` });
    if (match[1] === '/ready') return ready(response, state.modelReady);
    if (match[1] === undefined) {
      return sendJson(response, 200, {
        name: model,
        versions: [version],
        platform: 'python',
        inputs: [{ name: options.promptTensor ?? 'prompt', datatype: 'BYTES', shape: [1] }],
        outputs: [
          { name: options.imageTensor ?? 'image', datatype: options.imageDatatype ?? 'BYTES', shape: [-1] },
        ],
      });
    }
    state.inFlight += 1;
    try {
      await infer(text, response);
    } finally {
      state.inFlight -= 1;
    }
  }, requests);

  async function infer(text: string, response: ServerResponse): Promise<void> {
    if (state.rateLimited !== null) {
      return sendJson(response, 429, { error: 'rate limited' }, { 'retry-after': String(state.rateLimited) });
    }
    if (options.capacity !== undefined && state.inFlight > options.capacity) {
      return sendJson(response, 503, { error: 'Exceeds maximum queue size' });
    }
    const body = parse(text);
    const input = Array.isArray(body?.inputs) ? (body.inputs as Array<Record<string, unknown>>) : [];
    const prompt = input.find((tensor) => tensor.name === (options.promptTensor ?? 'prompt'));
    const promptText = Array.isArray(prompt?.data) ? prompt.data[0] : undefined;
    if (!body || prompt?.datatype !== 'BYTES' || typeof promptText !== 'string') {
      return sendJson(response, 400, { error: 'expected a BYTES input tensor named prompt' });
    }
    const parameters = (body.parameters ?? {}) as Record<string, unknown>;
    const [width, height, n] = [parameters.width ?? 64, parameters.height ?? 64, parameters.n ?? 1];
    if (!(options.sizes ?? DEFAULT_SIZES).includes(`${String(width)}x${String(height)}`)) {
      return sendJson(response, 400, { error: `unsupported image size ${String(width)}x${String(height)}` });
    }
    if (
      typeof n !== 'number' ||
      !Number.isInteger(n) ||
      n < 1 ||
      typeof width !== 'number' ||
      typeof height !== 'number'
    ) {
      return sendJson(response, 400, { error: 'parameters n, width and height must be integers' });
    }
    const queued = performance.now();
    await gate.wait(response);
    totals.queueUs += Math.round((performance.now() - queued) * 1_000);
    await work(options.latencyMs?.(body) ?? 0, response);
    totals.executions += 1;
    const images = Array.from({ length: n }, (_, index) => pixels(promptText, index, width, height));
    const output =
      options.imageDatatype === 'UINT8'
        ? { datatype: 'UINT8', shape: [n, height, width, 3], data: images.flatMap((image) => [...image]) }
        : { datatype: 'BYTES', shape: [n], data: images.map((image) => pngBase64(image, width, height)) };
    sendJson(response, 200, {
      model_name: model,
      model_version: version,
      id: body.id,
      outputs: [{ name: options.imageTensor ?? 'image', ...output }],
    });
  }

  const metrics: Listening = await listen((_request, _text, response) => {
    const labels = `model="${model}",version="${version}"`;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(
      [
        '# HELP nv_inference_pending_request_count Instantaneous number of pending requests awaiting execution per-model.',
        '# TYPE nv_inference_pending_request_count gauge',
        `nv_inference_pending_request_count{${labels}} ${gate.waiting}`,
        `nv_inference_pending_request_count{model="other-model",version="1"} ${OTHER_MODEL_PENDING}`,
        '# TYPE nv_inference_queue_duration_us counter',
        `nv_inference_queue_duration_us{${labels}} ${totals.queueUs}`,
        '# TYPE nv_inference_exec_count counter',
        `nv_inference_exec_count{${labels}} ${totals.executions}`,
        `nv_inference_exec_count{model="other-model",version="1"} 1000`,
        '# TYPE nv_gpu_utilization gauge',
        'nv_gpu_utilization{gpu_uuid="GPU-0000"} 0.25',
        'nv_gpu_utilization{gpu_uuid="GPU-0001"} 0.75',
        '',
      ].join('\n'),
    );
  });

  return {
    url: api.url,
    metricsUrl: `${metrics.url}/metrics`,
    requests,
    holdNext: (count) => gate.holdNext(count),
    get waiting() {
      return gate.waiting;
    },
    get rateLimited() {
      return state.rateLimited;
    },
    set rateLimited(value) {
      state.rateLimited = value;
    },
    get serverReady() {
      return state.serverReady;
    },
    set serverReady(value) {
      state.serverReady = value;
    },
    get modelReady() {
      return state.modelReady;
    },
    set modelReady(value) {
      state.modelReady = value;
    },
    close: async () => {
      await Promise.all([api.close(), metrics.close()]);
    },
  };
}

function ready(response: ServerResponse, isReady: boolean): void {
  if (isReady) {
    response.writeHead(200);
    response.end();
  } else sendJson(response, 400, { error: 'not ready' });
}

function parse(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
