import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendConformance } from '../../backends/conformance/conformance-suite.ts';
import { createFalBackend, type FalOptions } from '../../backends/fal/index.ts';
import type { BackendProgress } from '../../backends/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { eventually } from '../support/pool-client.ts';
import { type FalServer, startFalServer } from '../support/providers/fal-server.ts';
import { type FakeHttpServer, jsonBody, startFakeHttp } from '../support/providers/provider-http.ts';
import { closedUrl, quickRequest, slowRequest } from './backend-test-pools.ts';
import { callsOn, expectJoinedAndConflicting, failure } from './provider-fixtures.ts';

// A fake speaking fal's documented queue API (see fal-server.ts for the pages it follows):
// four runners, 30 ms a step, so slowRequest (100 steps) runs 3 s.
const RUNNERS = 4;
let server: FalServer;
let elsewhere: FakeHttpServer;
let nowhere = '';
beforeAll(async () => {
  [server, elsewhere] = await Promise.all([
    startFalServer({ runners: RUNNERS, stepMs: 30 }),
    startFakeHttp(() => ({ status: 200, json: {} })),
  ]);
  nowhere = await closedUrl();
});
afterAll(async () => {
  await Promise.all([server?.close(), elsewhere?.close()]);
});

const options: FalOptions = { pollIntervalMs: 25 };
const backend = createFalBackend(options);
const invalidRequest = { ...quickRequest, size: '2048x2048' };
const pool = () => ({ url: server.appUrl(), token: server.apiKey });
const refusing = (retryAfterSeconds: number) => async () => {
  server.rateLimit(retryAfterSeconds);
  return { pool: pool(), release: async () => server.rateLimit(null) };
};
/** Holds every runner busy and queues one more request, so the next call waits at position 1. */
const fillQueue = async () => {
  server.hold();
  for (let index = 0; index <= RUNNERS; index += 1) {
    await fetch(server.appUrl(), {
      method: 'POST',
      headers: { authorization: `Key ${server.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'filler', num_inference_steps: 1 }),
    });
  }
  return async () => {
    server.release();
    await eventually(() => server.active() === 0);
  };
};

runBackendConformance('fal', () => ({
  backend,
  backendWith: (send) => createFalBackend({ ...options, fetch: send }),
  authorization: (token) => `Key ${token}`,
  pool: pool(),
  request: quickRequest,
  invalidRequest,
  slowRequest,
  refusedToken: 'fal_refused_key',
  closedUrl: nowhere,
  saturate: refusing(1),
  rateLimited: refusing(2),
  loadSignal: 'progress',
  async busy() {
    return { pool: pool(), release: await fillQueue() };
  },
}));

const call = callsOn(() => ({
  poolUrl: server.appUrl(),
  request: quickRequest,
  deadlineMs: 30_000,
  token: server.apiKey,
}));
const submits = () => server.requests.filter((request) => request.method === 'POST');
const newest = () => [...server.queue.values()].at(-1);
const empty = { body: '' };

describe('fal backend', () => {
  it('fal: maps the request onto the app input and reports what it could not honour', async () => {
    const request = generationRequestSchema.parse({
      prompt: 'a red kite',
      n: 2,
      size: '128x96',
      steps: 3,
      seed: 11,
      style: 'vivid',
      user: 'u-7',
    });
    const before = submits().length;
    const result = await backend.generate(call({ request }));
    expect(jsonBody(submits()[before] ?? empty)).toEqual({
      prompt: 'a red kite',
      num_images: 2,
      image_size: { width: 128, height: 96 },
      num_inference_steps: 3,
      seed: 11,
      output_format: 'png',
      format: 'png',
    });
    expect(result.response.data).toHaveLength(2);
    expect(result.warnings).toEqual([expect.stringContaining('style'), expect.stringContaining('seed')]);
  });

  it('fal: submits to the subpath, polls status and result under owner/app only', async () => {
    const before = server.requests.length;
    await backend.generate(call({ poolUrl: server.appUrl('fal-ai/flux/dev') }));
    const paths = server.requests
      .slice(before)
      .map((request) => `${request.method} ${new URL(request.path, 'http://x').pathname}`);
    expect(paths[0]).toBe('POST /fal-ai/flux/dev');
    expect(
      paths.slice(1).every((path) => /^GET \/fal-ai\/flux\/requests\/[^/]+(\/status)?$/.test(path)),
    ).toBe(true);
  });

  it('fal: queue positions reach onProgress while the call waits', async () => {
    const release = await fillQueue();
    const seen: BackendProgress[] = [];
    const pending = backend.generate(call({ onProgress: (event) => seen.push(event) }));
    await eventually(() => seen.length > 0);
    await release();
    await pending;
    expect(seen[0]).toEqual({ kind: 'queued', position: 1 });
    expect(seen.every((event) => event.kind === 'queued')).toBe(true);
  });

  it('fal: images come from the CDN without the key; API calls carry Key', async () => {
    const [api, cdn] = [server.requests.length, server.delivery.requests.length];
    const result = await backend.generate(call());
    expect(server.delivery.requests.slice(cdn).map((request) => request.authorization)).toEqual([null]);
    expect(new Set(server.requests.slice(api).map((request) => request.authorization))).toEqual(
      new Set([`Key ${server.apiKey}`]),
    );
    expect(result.response.data[0]?.seed).toBe(quickRequest.seed);
  });

  it('fal: status and response URLs on another origin are not followed', async () => {
    server.answerUrlsOn(elsewhere.url);
    try {
      const result = await backend.generate(call());
      expect([result.response.data.length, elsewhere.requests]).toEqual([1, []]);
    } finally {
      server.answerUrlsOn(null);
    }
  });

  it('fal: a runner failure is retryable with work started', async () => {
    server.failNext('runner crashed');
    const error = await failure(backend.generate(call()));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      500,
      'upstream_failed',
      true,
      true,
    ]);
  });

  it('fal: a JPEG where a PNG was asked for fails retryably as output_not_png', async () => {
    server.deliverJpeg(true);
    try {
      const error = await failure(backend.generate(call()));
      expect([error.code, error.retryable]).toEqual(['output_not_png', true]);
    } finally {
      server.deliverJpeg(false);
    }
  });

  it('fal: a request cancelled at fal fails the call as job_canceled, not retryable', async () => {
    const pending = failure(backend.generate(call({ request: slowRequest })));
    await eventually(() => newest()?.status === 'IN_PROGRESS');
    await fetch(`${server.url}/fal-ai/fast-sdxl/requests/${newest()?.id}/cancel`, {
      method: 'PUT',
      headers: { authorization: `Key ${server.apiKey}` },
    });
    const error = await pending;
    expect([error.code, error.retryable]).toEqual(['job_canceled', false]);
  });

  it('fal: at the deadline the queue request is cancelled at fal', async () => {
    const error = await failure(backend.generate(call({ request: slowRequest, deadlineMs: 400 })));
    expect([error.code, error.retryable]).toEqual(['deadline_exceeded', false]);
    expect(newest()?.answer?.status).toBe(499);
  });

  it('fal: concurrent calls with one job id make one queue request; another request is a conflict', async () => {
    await expectJoinedAndConflicting(backend, call, () => submits().length, slowRequest);
  });
});
