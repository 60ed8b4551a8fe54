import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendConformance } from '../../backends/conformance/conformance-suite.ts';
import type { FetchFunction } from '../../backends/index.ts';
import { createOpenAiCompatibleBackend } from '../../backends/openai-compatible/index.ts';
import { rateLimitLoad } from '../../backends/openai-compatible/openai-images-answer.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { eventually } from '../support/pool-client.ts';
import {
  type OpenAiImagesServer,
  startOpenAiImagesServer,
} from '../support/providers/openai-images-server.ts';
import { closedUrl } from './backend-test-pools.ts';
import { callsOn, failure, holdGenerations } from './provider-fixtures.ts';

const apiKey = `sk-test-${crypto.randomUUID()}`;
const sizes = ['64x64', '256x256'];
const slow = (body: Record<string, unknown>) => (String(body.prompt).startsWith('occupy') ? 30_000 : 0);
let roomy: OpenAiImagesServer;
let tight: OpenAiImagesServer;
let nowhere = '';

beforeAll(async () => {
  [roomy, tight] = await Promise.all([
    startOpenAiImagesServer({ apiKey, sizes, latencyMs: slow }),
    startOpenAiImagesServer({ apiKey, sizes, latencyMs: slow, capacity: 1 }),
  ]);
  nowhere = await closedUrl();
});
afterAll(async () => {
  await Promise.all([roomy?.close(), tight?.close()]);
});

const backend = createOpenAiCompatibleBackend();
const quickRequest = generationRequestSchema.parse({ prompt: 'a lighthouse at dusk', size: '64x64', n: 2 });
const slowRequest = generationRequestSchema.parse({ prompt: 'occupy the slot', size: '64x64' });
const call = callsOn(() => ({
  poolUrl: roomy.url,
  request: quickRequest,
  deadlineMs: 30_000,
  token: apiKey,
}));

/** Holds `count` generations inside `server` until release, which lets them finish. */
const hold = (server: OpenAiImagesServer, count: number) =>
  holdGenerations(backend, server, { url: server.url, token: apiKey }, count, call);

runBackendConformance('openai-compatible', () => ({
  backend,
  backendWith: (send) => createOpenAiCompatibleBackend({ fetch: send }),
  authorization: (token) => `Bearer ${token}`,
  pool: { url: roomy.url, token: apiKey },
  request: quickRequest,
  invalidRequest: { ...quickRequest, size: '96x96' },
  slowRequest,
  refusedToken: `sk-refused-${crypto.randomUUID()}`,
  closedUrl: nowhere,
  saturate: () => hold(tight, 1),
  async rateLimited() {
    tight.rateLimited = 2;
    return {
      pool: { url: tight.url, token: apiKey },
      release: async () => {
        tight.rateLimited = null;
      },
    };
  },
  // OpenAI's rate-limit headers, read as saturation of the request allowance.
  loadSignal: 'piggyback',
  busy: () => hold(roomy, 2),
}));

/** A fetch that records each request's url, headers and body before sending it. */
function recording(): { send: FetchFunction; sent: Array<{ url: string; headers: Headers; body: string }> } {
  const sent: Array<{ url: string; headers: Headers; body: string }> = [];
  return {
    sent,
    send: (url, init) => {
      sent.push({
        url,
        headers: new Headers(init.headers),
        body: typeof init.body === 'string' ? init.body : '',
      });
      return fetch(url, init);
    },
  };
}

describe('openai-compatible backend', () => {
  it('openai-compatible: sends the Images body, upstream model first, and warns for options it cannot pass', async () => {
    const { send, sent } = recording();
    const request = generationRequestSchema.parse({
      ...quickRequest,
      model: 'client-model',
      quality: 'hd',
      style: 'vivid',
      steps: 4,
      seed: 9,
      priority: 'high',
      user: 'u-42',
      response_format: 'url',
    });
    const result = await createOpenAiCompatibleBackend({ fetch: send }).generate(
      call({ request, upstream: { model: 'dall-e-2' } }),
    );
    expect(sent.map((request) => [request.url, JSON.parse(request.body)])).toEqual([
      [
        `${roomy.url}/images/generations`,
        {
          model: 'dall-e-2',
          prompt: quickRequest.prompt,
          n: 2,
          size: '64x64',
          quality: 'hd',
          style: 'vivid',
          response_format: 'b64_json',
        },
      ],
    ]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^steps /),
      expect.stringMatching(/^seed /),
      expect.stringMatching(/^priority high/),
    ]);
    expect(result.response.data.map((image) => image.revised_prompt)).toEqual([
      quickRequest.prompt,
      quickRequest.prompt,
    ]);
  });

  it('openai-compatible: an answer by url is fetched without the credential and returned as base64 PNG', async () => {
    const byUrl = await startOpenAiImagesServer({ apiKey, sizes, answerWithUrl: true });
    try {
      const { send, sent } = recording();
      const result = await createOpenAiCompatibleBackend({ fetch: send }).generate(
        call({ poolUrl: byUrl.url }),
      );
      expect(result.response.data.map((image) => image.b64_json?.slice(0, 11))).toEqual([
        'iVBORw0KGgo',
        'iVBORw0KGgo',
      ]);
      const images = sent.filter((request) => request.url.includes('/files/'));
      expect(images.map((request) => request.headers.get('authorization'))).toEqual([null, null]);
    } finally {
      await byUrl.close();
    }
  });

  it('openai-compatible: an OpenAI error keeps its code and param; an echoed key is scrubbed', async () => {
    const error = await failure(backend.generate(call({ request: { ...quickRequest, size: '96x96' } })));
    expect([error.status, error.code, error.envelope?.error.param, error.retryable]).toEqual([
      400,
      'invalid_request',
      'size',
      false,
    ]);
    const echoing: FetchFunction = async (_url, init) =>
      Response.json(
        {
          error: {
            message: `bad key ${new Headers(init.headers).get('authorization')}`,
            type: 'invalid_request_error',
            param: null,
            code: 'invalid_api_key',
          },
        },
        { status: 401 },
      );
    const refused = await failure(createOpenAiCompatibleBackend({ fetch: echoing }).generate(call()));
    expect([refused.status, refused.code, refused.retryable]).toEqual([401, 'invalid_api_key', true]);
    expect(refused.message).toContain('[credential]');
    expect(JSON.stringify(refused.envelope)).not.toContain(apiKey);
  });

  it('openai-compatible: a 503 without Retry-After still backs off, retryable and nothing started', async () => {
    const overloaded = await hold(tight, 1);
    try {
      const error = await failure(backend.generate(call({ poolUrl: tight.url })));
      expect([error.status, error.code, error.retryable, error.workStarted, error.retryAfterSeconds]).toEqual(
        [503, 'no_capacity', true, false, 1],
      );
    } finally {
      await overloaded.release();
    }
  });

  it('openai-compatible: concurrent calls for one job make one upstream request', async () => {
    const before = roomy.requests.length;
    const jobId = `test-${crypto.randomUUID()}`;
    const [first, second] = await Promise.all([
      backend.generate(call({ jobId })),
      backend.generate(call({ jobId })),
    ]);
    expect(roomy.requests.length - before).toBe(1);
    expect(second).toBe(first);
  });

  it('openai-compatible: a caller leaving a joined call does not stop the others', async () => {
    const jobId = `test-${crypto.randomUUID()}`;
    const gate = roomy.holdNext(1);
    const leaving = new AbortController();
    const first = failure(backend.generate(call({ jobId, signal: leaving.signal })));
    const second = backend.generate(call({ jobId }));
    await eventually(() => roomy.waiting === 1);
    leaving.abort();
    expect((await first).code).toBe('job_canceled');
    gate.release();
    expect((await second).response.data).toHaveLength(2);
  });

  it('openai-compatible: no credential means no Authorization header', async () => {
    const open = await startOpenAiImagesServer({ sizes });
    try {
      await backend.generate(call({ poolUrl: open.url, token: '' }));
      expect(open.requests.map((request) => request.authorization)).toEqual([null]);
    } finally {
      await open.close();
    }
  });

  it('openai-compatible: a self-hosted server without GET /models (404) is ready; one failing (500) is not', async () => {
    for (const [status, ready] of [
      [404, true],
      [500, false],
    ] as const) {
      const server = createServer((_request, response) => response.writeHead(status).end());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const probe = await backend.probe?.({ poolUrl: `http://127.0.0.1:${port}/v1`, token: apiKey });
      await new Promise((resolve) => server.close(resolve));
      expect([status, probe?.ready]).toEqual([status, ready]);
    }
  });

  it('openai-compatible: probe is ready on GET /models 200, not with a refused key or no listener', async () => {
    expect(await backend.probe?.({ poolUrl: roomy.url, token: apiKey })).toEqual({ ready: true });
    expect(await backend.probe?.({ poolUrl: roomy.url, token: 'sk-nope' })).toMatchObject({ ready: false });
    expect(await backend.probe?.({ poolUrl: nowhere, token: apiKey })).toMatchObject({ ready: false });
  });

  it('openai-compatible: a 200 whose image is not a PNG is a retryable upstream failure', async () => {
    const jpeg: FetchFunction = async () =>
      Response.json({ created: 1, data: [{ b64_json: '/9j/4AAQSkZJRg==' }] });
    const error = await failure(createOpenAiCompatibleBackend({ fetch: jpeg }).generate(call()));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      200,
      'upstream_failed',
      true,
      true,
    ]);
  });

  it('openai-compatible: rate-limit headers map to saturation; malformed ones to no load', () => {
    const headers = (limit: string, remaining: string) =>
      new Headers({ 'x-ratelimit-limit-requests': limit, 'x-ratelimit-remaining-requests': remaining });
    expect(rateLimitLoad(headers('60', '45'))).toEqual({
      queued: 0,
      running: 15,
      slots: 60,
      draining: false,
    });
    expect([
      rateLimitLoad(headers('60', '-1')),
      rateLimitLoad(headers('0', '0')),
      rateLimitLoad(new Headers()),
    ]).toEqual([null, null, null]);
  });

  it("openai-compatible: work counts the model's default steps, since the provider picks its own", () => {
    const work = backend.workOf?.({ ...quickRequest, steps: 50 }, { steps: 4, size: '512x512' });
    expect(work).toBeCloseTo((2 * 4 * 64 * 64) / 1_000_000, 9);
  });
});
