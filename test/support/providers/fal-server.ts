/**
 * A local server speaking fal's queue API, for adapter and end-to-end tests. Paths, fields and
 * statuses follow https://docs.fal.ai/model-endpoints/queue and
 * https://fal.ai/docs/inference-api/queue/cancel: submit `POST /{owner}/{app}[/{subpath}]` →
 * `{request_id, response_url, status_url, cancel_url, status: 'IN_QUEUE', queue_position}`;
 * `GET /{owner}/{app}/requests/{id}/status` → `status` IN_QUEUE (with `queue_position`, 0 =
 * next) | IN_PROGRESS (202) | COMPLETED (200); `GET /{owner}/{app}/requests/{id}` → the result
 * `{images: [{url, content_type, width, height}], seed, prompt, timings, has_nsfw_concepts}`;
 * `PUT …/cancel` → 202 CANCELLATION_REQUESTED, 400 ALREADY_COMPLETED, 404 NOT_FOUND. Errors
 * follow https://docs.fal.ai/errors: validation as 422 `detail: [{loc, msg, type}]` (here when
 * the runner takes the request, so it comes back from the result), request errors as `{detail,
 * error_type}` (a cancelled request's result: 499 `client_cancelled`). The key goes as
 * `Authorization: Key …`. Images are PNG files on a separate CDN origin.
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

/** Settings of a fake fal. */
export interface FalServerOptions {
  readonly apiKey?: string;
  /** Requests run at once; the rest wait IN_QUEUE in order. */
  readonly runners?: number;
  /** Ms per `num_inference_steps` a request runs (default steps: 4). */
  readonly stepMs?: number;
}

/** One queue request the fake holds. */
export interface FakeFalRequest {
  readonly id: string;
  readonly app: string;
  readonly input: Record<string, unknown>;
  status: 'IN_QUEUE' | 'IN_PROGRESS' | 'COMPLETED';
  answer: FakeAnswer | null;
  failure: string | null;
}

/** A running fake fal and its controls (`url` is the origin, the queue host). */
export interface FalServer extends HostedFake {
  /** The queue URL of an app, `{url}/{owner}/{app}[/{subpath}]`: a pool URL. */
  appUrl(app?: string): string;
  readonly queue: Map<string, FakeFalRequest>;
}

/** Starts a fake fal queue on 127.0.0.1 (plus its CDN origin). */
export async function startFalServer(options: FalServerOptions = {}): Promise<FalServer> {
  const apiKey = options.apiKey ?? 'fal_test_key';
  const runners = options.runners ?? 4;
  const stepMs = options.stepMs ?? 20;
  const delivery = await startDeliveryHost();
  const queue = new Map<string, FakeFalRequest>();
  const waiting: FakeFalRequest[] = [];
  const held: FakeFalRequest[] = [];
  const state = hostedFakeState();
  let origin = '';
  let counter = 0;

  const running = () => [...queue.values()].filter((request) => request.status === 'IN_PROGRESS').length;
  const schedule = () => {
    while (waiting.length > 0 && running() < runners) {
      const next = waiting.shift();
      if (!next) break;
      next.status = 'IN_PROGRESS';
      const steps = Number(next.input.num_inference_steps ?? 4);
      setTimeout(() => finish(next), steps * stepMs);
    }
  };
  const finish = (request: FakeFalRequest) => {
    if (request.status !== 'IN_PROGRESS') return;
    if (state.holding) {
      held.push(request);
      return;
    }
    request.status = 'COMPLETED';
    request.answer = run(request);
    schedule();
  };
  const run = (request: FakeFalRequest): FakeAnswer => {
    if (request.failure !== null) {
      return { status: 500, json: { detail: request.failure, error_type: 'runner_server_error' } };
    }
    const size = (request.input.image_size ?? {}) as { width?: number; height?: number };
    const width = Number(size.width ?? 1024);
    const height = Number(size.height ?? 1024);
    if (width > 1536 || height > 1536) {
      const detail = [
        { loc: ['body', 'image_size'], msg: 'width and height must be at most 1536', type: 'value_error' },
      ];
      return { status: 422, json: { detail } };
    }
    const png = request.input.output_format === 'png' || request.input.format === 'png';
    const seed = Number(request.input.seed ?? 1234);
    const images = Array.from({ length: Number(request.input.num_images ?? 1) }, (_, index) => ({
      url: delivery.publish(
        `/files/${request.id}/${index}.${png ? 'png' : 'jpeg'}`,
        png && !state.jpeg ? testPng(width, height, seed + index) : JPEG_BYTES,
      ),
      content_type: png ? 'image/png' : 'image/jpeg',
      width,
      height,
    }));
    const json = {
      images,
      seed,
      prompt: request.input.prompt,
      timings: { inference: 0.1 },
      has_nsfw_concepts: [false],
    };
    return { status: 200, json };
  };
  const links = (request: FakeFalRequest) => {
    const base = `${state.urlsOrigin ?? origin}/${request.app}/requests/${request.id}`;
    return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
  };
  const statusOf = (request: FakeFalRequest) => ({
    status: request.status,
    ...(request.status === 'IN_QUEUE' ? { queue_position: waiting.indexOf(request) } : {}),
    ...links(request),
  });

  const route = (request: ProviderRequest): FakeAnswer => {
    if (request.authorization !== `Key ${apiKey}`)
      return { status: 401, json: { detail: 'Invalid API key' } };
    const path = new URL(request.path, 'http://fake').pathname.split('/').filter(Boolean);
    const [owner, app, kind, id, action] = path;
    if (owner === undefined || app === undefined) return { status: 404, json: { detail: 'Not Found' } };
    if (kind !== 'requests' && request.method === 'POST') {
      if (state.retryAfter !== null) {
        return {
          status: 429,
          json: { detail: 'Too many requests' },
          headers: { 'retry-after': String(state.retryAfter) },
        };
      }
      counter += 1;
      const submitted: FakeFalRequest = {
        id: `${counter}-${crypto.randomUUID()}`,
        app: `${owner}/${app}`,
        input: jsonBody(request),
        status: 'IN_QUEUE',
        answer: null,
        failure: state.failure,
      };
      state.failure = null;
      queue.set(submitted.id, submitted);
      waiting.push(submitted);
      const position = waiting.indexOf(submitted);
      schedule();
      return {
        status: 200,
        json: { request_id: submitted.id, ...links(submitted), status: 'IN_QUEUE', queue_position: position },
      };
    }
    const found = id === undefined ? undefined : queue.get(id);
    if (kind !== 'requests' || !found)
      return { status: 404, json: { status: 'NOT_FOUND', detail: 'Request not found' } };
    if (action === 'status' && request.method === 'GET') {
      return { status: found.status === 'COMPLETED' ? 200 : 202, json: statusOf(found) };
    }
    if (action === 'cancel' && request.method === 'PUT') {
      if (found.status === 'COMPLETED') return { status: 400, json: { status: 'ALREADY_COMPLETED' } };
      remove(waiting, found);
      remove(held, found);
      found.status = 'COMPLETED';
      found.answer = { status: 499, json: { detail: 'Request cancelled', error_type: 'client_cancelled' } };
      schedule();
      return { status: 202, json: { status: 'CANCELLATION_REQUESTED' } };
    }
    if (action === undefined && request.method === 'GET') {
      return found.answer ?? { status: 400, json: { detail: 'Request is still in progress' } };
    }
    return { status: 405, json: { detail: 'Method Not Allowed' } };
  };

  const server = await startFakeHttp(route);
  origin = server.url;
  return {
    ...hostedControls(state, {
      url: origin,
      apiKey,
      server,
      delivery,
      finishHeld: () => {
        for (const request of held.splice(0)) finish(request);
      },
      active: () => [...queue.values()].filter((request) => request.status !== 'COMPLETED').length,
    }),
    appUrl: (app = 'fal-ai/fast-sdxl') => `${origin}/${app}`,
    queue,
  };
}

function remove<T>(list: T[], item: T): void {
  const index = list.indexOf(item);
  if (index >= 0) list.splice(index, 1);
}
