import { clientError, SpillwayError } from './errors.ts';
import { type PollJob, type StreamOptions, streamJob } from './job-stream.ts';
import {
  type CreateOptions,
  type RequestOptions,
  type ResolvedOptions,
  resolveOptions,
  type SpillwayOptions,
} from './options.ts';
import { hasFields, parseGenerationResponse, parseJobResource, servedBy } from './parse.ts';
import { callJson, callJsonWithHeaders, type OpenResponse, open } from './transport.ts';
import {
  type Generation,
  type GenerationRequest,
  isTerminal,
  type JobResource,
  type JobSubmitRequest,
} from './types.ts';

/** Options of `get()`. */
export interface GetOptions extends RequestOptions {
  /** Long-poll: ask the server to hold the answer up to this many seconds (`Prefer: wait=N`). */
  waitSeconds?: number;
}

/**
 * The Spillway client: synchronous generation and async jobs, over `fetch` only, so it runs in
 * React Native / Expo, browsers, Node and Workers.
 * @example
 * const client = new Spillway({ baseUrl: 'https://api.example.com', tokenProvider: getAppToken });
 * const job = await client.submit({ prompt: 'a lighthouse at dusk', size: '256x256' });
 * for await (const state of client.stream(job.id)) console.log(state.status, state.progress);
 */
export class Spillway {
  readonly #options: ResolvedOptions;

  constructor(options: SpillwayOptions) {
    this.#options = resolveOptions(options);
  }

  /**
   * Generates images and waits for them (`POST /v1/images/generations`).
   * @example
   * const { data } = await client.generate({ prompt: 'a red bicycle', size: '64x64' });
   * const png = data[0]?.b64_json;
   * @example
   * const { served } = await client.generate({ prompt: 'a red bicycle', quality: 'hd' });
   * console.log(served.poolId, served.warnings); // warnings: options the pool ignored
   */
  async generate(request: GenerationRequest, options: CreateOptions = {}): Promise<Generation> {
    const { body, headers } = await callJsonWithHeaders(this.#options, {
      ...options,
      method: 'POST',
      path: '/v1/images/generations',
      body: request,
    });
    return { ...parseGenerationResponse(body), served: servedBy(headers) };
  }

  /**
   * Submits an async job (`POST /v1/jobs`). Retries reuse one `Idempotency-Key`, so a retried
   * submit never creates a second job; pass your own key to dedupe across app restarts.
   * @example
   * const job = await client.submit({ prompt: 'a lighthouse' }, { idempotencyKey: draft.id });
   */
  async submit(request: JobSubmitRequest, options: CreateOptions = {}): Promise<JobResource> {
    const body = await callJson(this.#options, {
      ...options,
      method: 'POST',
      path: '/v1/jobs',
      body: request,
    });
    return parseJobResource(body);
  }

  /**
   * Reads a job (`GET /v1/jobs/:id`), optionally long-polling for a change.
   * @example
   * const job = await client.get('job_…', { waitSeconds: 10 });
   */
  async get(id: string, options: GetOptions = {}): Promise<JobResource> {
    const wait = options.waitSeconds;
    const body = await callJson(this.#options, {
      ...options,
      method: 'GET',
      path: jobPath(id),
      headers: { ...options.headers, ...(wait ? { prefer: `wait=${wait}` } : {}) },
      // The server may hold the answer for `wait` seconds: give the attempt that much longer.
      timeoutMs: Math.max(options.timeoutMs ?? this.#options.timeoutMs, (wait ?? 0) * 1000 + 10_000),
    });
    return parseJobResource(body);
  }

  /**
   * Waits until the job is `succeeded`, `failed` or `canceled` by long-polling, and returns it.
   * @example
   * const done = await client.wait(job.id, { signal: AbortSignal.timeout(120_000) });
   * if (done.status === 'succeeded') console.log(done.result?.data[0]?.url);
   */
  async wait(id: string, options: RequestOptions = {}): Promise<JobResource> {
    let job: JobResource | undefined;
    for await (const state of streamJob(
      { ...this.#options, streaming: false },
      id,
      options,
      this.#poll(options),
    )) {
      job = state;
    }
    if (!job || !isTerminal(job)) throw new Error('unreachable: a job stream ends at a terminal state');
    return job;
  }

  /**
   * Cancels a job (`DELETE /v1/jobs/:id`) and returns it as the server left it.
   * @example
   * const job = await client.cancel(id); // job.status === 'canceled' unless it had finished
   */
  async cancel(id: string, options: RequestOptions = {}): Promise<JobResource> {
    return parseJobResource(
      await callJson(this.#options, { ...options, method: 'DELETE', path: jobPath(id) }),
    );
  }

  /**
   * Every state of a job until a terminal one, over SSE (`GET /v1/jobs/:id/events`) with
   * `Last-Event-ID` resume, falling back to long-polling where streaming is unavailable or drops.
   * @example
   * for await (const job of client.stream(id, { signal })) {
   *   if (job.status === 'running') console.log(job.progress);
   * }
   */
  stream(id: string, options: StreamOptions = {}): AsyncGenerator<JobResource, void, undefined> {
    return streamJob(this.#options, id, options, this.#poll(options));
  }

  /**
   * The tenant's webhook signing secret (`GET /v1/webhooks/secret`), for `verifyWebhook()`.
   * Server-side only: it needs a tenant API key, and phones cannot receive webhooks anyway.
   * @example
   * const secret = await client.webhookSecret(); // 'whsec_…'
   */
  async webhookSecret(options: RequestOptions = {}): Promise<string> {
    const body = await callJson(this.#options, { ...options, method: 'GET', path: '/v1/webhooks/secret' });
    if (!hasFields(body, { key: 's' }))
      throw clientError('invalid_response', 'no webhook secret in the response');
    return String(body.key);
  }

  #poll(options: RequestOptions): PollJob {
    return async (id, signal, waitSeconds, etag) => {
      const spec = {
        ...options,
        ...(signal ? { signal } : {}),
        method: 'GET' as const,
        path: jobPath(id),
        headers: {
          ...options.headers,
          ...(waitSeconds > 0 ? { prefer: `wait=${waitSeconds}` } : {}),
          ...(etag === null ? {} : { 'if-none-match': etag }),
        },
        timeoutMs: Math.max(options.timeoutMs ?? this.#options.timeoutMs, waitSeconds * 1000 + 10_000),
      };
      let opened: OpenResponse;
      try {
        opened = await open(this.#options, spec, true);
      } catch (error) {
        // 304: the job is still in the state the client holds.
        if (error instanceof SpillwayError && error.status === 304) return { job: null, etag };
        throw error;
      }
      let body: unknown;
      try {
        body = await opened.response.json();
      } catch (cause) {
        throw clientError('invalid_response', 'the response body is not JSON', cause);
      } finally {
        opened.release();
      }
      return { job: parseJobResource(body), etag: opened.response.headers.get('etag') };
    };
  }
}

function jobPath(id: string): string {
  return `/v1/jobs/${encodeURIComponent(id)}`;
}
