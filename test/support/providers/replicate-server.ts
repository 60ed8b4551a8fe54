/**
 * A local server speaking Replicate's predictions API, for adapter and end-to-end tests. Field
 * names, statuses and error shapes follow https://replicate.com/docs/reference/http and
 * https://replicate.com/docs/topics/predictions/create-a-prediction: `POST
 * /v1/models/{owner}/{name}/predictions` (`{input}`) or `POST /v1/predictions` (`{version,
 * input}`), `Prefer: wait[=n]` holds the create up to n seconds (default 60), prediction objects
 * `{id, model, version, status, input, output, error, logs, urls: {get, cancel}}` with status
 * starting | processing | succeeded | failed | canceled, `POST /v1/predictions/{id}/cancel`,
 * `GET /v1/predictions` (`{previous, next, results}`), problem-details errors (`{title, detail,
 * status}`; 422 "Input validation failed" with `invalid_fields`), 429 with `Retry-After`.
 * Outputs are PNG files on a separate delivery origin (as replicate.delivery is).
 */

import { type HostedFake, hostedControls, hostedFakeState } from './hosted-fake.ts';
import {
  type FakeAnswer,
  JPEG_BYTES,
  jsonBody,
  type ProviderRequest,
  startDeliveryHost,
  startFakeHttp,
  testPng,
} from './provider-http.ts';

/** Settings of a fake Replicate. */
export interface ReplicateServerOptions {
  /** The API key it accepts as `Authorization: Bearer …`. */
  readonly apiKey?: string;
  /** Ms per `num_inference_steps` a prediction takes (default steps: 4). */
  readonly stepMs?: number;
}

/** One prediction the fake holds. */
export interface FakePrediction {
  readonly id: string;
  readonly model: string | null;
  readonly version: string | null;
  readonly input: Record<string, unknown>;
  status: 'starting' | 'processing' | 'succeeded' | 'failed' | 'canceled';
  output: string[] | null;
  error: string | null;
  readonly startedAt: number;
}

/** A running fake Replicate and its controls (`url` is the API base, `http://127.0.0.1:port/v1`: a pool URL with `upstream.version`). */
export interface ReplicateServer extends HostedFake {
  /** A model pool URL, `{url}/models/{owner}/{name}`. */
  modelUrl(owner?: string, name?: string): string;
  readonly predictions: Map<string, FakePrediction>;
}

/** Starts a fake Replicate on 127.0.0.1 (plus its delivery origin). */
export async function startReplicateServer(options: ReplicateServerOptions = {}): Promise<ReplicateServer> {
  const apiKey = options.apiKey ?? 'r8_test_key';
  const stepMs = options.stepMs ?? 20;
  const delivery = await startDeliveryHost();
  const predictions = new Map<string, FakePrediction>();
  const waiters = new Map<string, Set<() => void>>();
  const held = new Set<string>();
  const state = hostedFakeState();
  let counter = 0;
  let base = '';

  const settle = (prediction: FakePrediction) => {
    for (const wake of waiters.get(prediction.id) ?? []) wake();
    waiters.delete(prediction.id);
  };
  const finish = (prediction: FakePrediction, failure: string | null) => {
    if (prediction.status !== 'processing') return;
    if (state.holding) {
      held.add(prediction.id);
      return;
    }
    if (failure !== null) {
      Object.assign(prediction, { status: 'failed', error: failure });
    } else {
      const count = Number(prediction.input.num_outputs ?? 1);
      const width = Number(prediction.input.width ?? 1024);
      const height = Number(prediction.input.height ?? 1024);
      const seed = Number(prediction.input.seed ?? 42);
      prediction.output = Array.from({ length: count }, (_, index) =>
        delivery.publish(
          `/pbxt/${prediction.id}/out-${index}.png`,
          state.jpeg ? JPEG_BYTES : testPng(width, height, seed + index),
        ),
      );
      prediction.status = 'succeeded';
    }
    settle(prediction);
  };
  const view = (prediction: FakePrediction) => {
    const steps = Number(prediction.input.num_inference_steps ?? 4);
    const step = Math.min(steps, Math.floor((Date.now() - prediction.startedAt) / stepMs));
    const urls = `${state.urlsOrigin ?? new URL(base).origin}/v1/predictions/${prediction.id}`;
    return {
      ...prediction,
      logs: prediction.status === 'starting' ? '' : `${step}/${steps} [00:00<00:00, 10.00it/s]\n`,
      urls: { get: urls, cancel: `${urls}/cancel` },
    };
  };
  const create = async (request: ProviderRequest, model: string | null): Promise<FakeAnswer> => {
    if (state.retryAfter !== null) {
      return problem(429, 'Request was throttled', `Expected available in ${state.retryAfter} seconds.`, {
        'retry-after': String(state.retryAfter),
      });
    }
    const body = jsonBody(request);
    const input =
      typeof body.input === 'object' && body.input !== null ? (body.input as Record<string, unknown>) : {};
    const version = typeof body.version === 'string' ? body.version : null;
    if (model === null && version === null)
      return problem(422, 'Invalid version or not permitted', 'version is required');
    const invalid = invalidFields(input);
    if (invalid.length > 0) {
      return {
        status: 422,
        json: {
          title: 'Input validation failed',
          detail: invalid.map((field) => `- ${field.field}: ${field.description}`).join('\n'),
          status: 422,
          invalid_fields: invalid,
        },
      };
    }
    counter += 1;
    const prediction: FakePrediction = {
      id: `pred${counter}x${Math.random().toString(36).slice(2, 10)}`,
      model,
      version,
      input,
      status: 'starting',
      output: null,
      error: null,
      startedAt: Date.now(),
    };
    predictions.set(prediction.id, prediction);
    const failure = state.failure;
    state.failure = null;
    prediction.status = 'processing';
    const steps = Number(input.num_inference_steps ?? 4);
    setTimeout(() => finish(prediction, failure), steps * stepMs);
    const wait = /^wait(?:=(\d+))?$/.exec(String(request.headers.prefer ?? ''));
    if (wait) await settled(prediction.id, Number(wait[1] ?? 60) * 1000);
    return { status: 201, json: view(prediction) };
  };
  const settled = (id: string, ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const set = waiters.get(id) ?? new Set();
      set.add(wake);
      waiters.set(id, set);
    });
  const route = (request: ProviderRequest): FakeAnswer | Promise<FakeAnswer> => {
    if (request.authorization !== `Bearer ${apiKey}`) {
      return problem(401, 'Unauthenticated', 'You did not pass a valid authentication token');
    }
    const path = new URL(request.path, 'http://fake').pathname;
    const modelRoute = /^\/v1\/(models|deployments)\/([^/]+)\/([^/]+)\/predictions$/.exec(path);
    if (request.method === 'POST' && modelRoute) return create(request, `${modelRoute[2]}/${modelRoute[3]}`);
    if (request.method === 'POST' && path === '/v1/predictions') return create(request, null);
    if (request.method === 'GET' && path === '/v1/predictions') {
      const results = [...predictions.values()].reverse().map(view);
      return { status: 200, json: { previous: null, next: null, results } };
    }
    const one = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/.exec(path);
    const prediction = one ? predictions.get(decodeURIComponent(one[1] ?? '')) : undefined;
    if (!one || !prediction) return problem(404, 'Not found', 'The requested resource could not be found.');
    if (one[2] && request.method === 'POST') {
      if (prediction.status === 'starting' || prediction.status === 'processing') {
        prediction.status = 'canceled';
        held.delete(prediction.id);
        settle(prediction);
      }
      return { status: 200, json: view(prediction) };
    }
    return request.method === 'GET'
      ? { status: 200, json: view(prediction) }
      : problem(405, 'Method not allowed', '');
  };

  const server = await startFakeHttp(route);
  base = `${server.url}/v1`;
  return {
    ...hostedControls(state, {
      url: base,
      apiKey,
      server,
      delivery,
      finishHeld: () => {
        for (const id of held) {
          const prediction = predictions.get(id);
          if (prediction) finish(prediction, null);
        }
        held.clear();
      },
      active: () =>
        [...predictions.values()].filter((p) => p.status === 'starting' || p.status === 'processing').length,
    }),
    modelUrl: (owner = 'stability-ai', name = 'sdxl') => `${base}/models/${owner}/${name}`,
    predictions,
  };
}

/** What an SDXL-like model's schema accepts (stability-ai/sdxl: width/height up to 1024, 1–4 outputs). */
function invalidFields(
  input: Record<string, unknown>,
): Array<{ type: string; field: string; description: string }> {
  const invalid: Array<{ type: string; field: string; description: string }> = [];
  if (typeof input.prompt !== 'string')
    invalid.push({ type: 'required', field: 'input.prompt', description: 'prompt is required' });
  for (const side of ['width', 'height'] as const) {
    if (input[side] !== undefined && Number(input[side]) > 1024) {
      invalid.push({
        type: 'less_than_equal',
        field: `input.${side}`,
        description: 'Must be less than or equal to 1024',
      });
    }
  }
  if (Number(input.num_outputs ?? 1) > 4) {
    invalid.push({
      type: 'less_than_equal',
      field: 'input.num_outputs',
      description: 'Must be less than or equal to 4',
    });
  }
  return invalid;
}

function problem(
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): FakeAnswer {
  return { status, json: { title, detail, status }, headers };
}
