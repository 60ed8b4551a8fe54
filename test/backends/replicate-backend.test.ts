import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendConformance } from '../../backends/conformance/conformance-suite.ts';
import type { BackendProgress } from '../../backends/index.ts';
import { createReplicateBackend, type ReplicateOptions } from '../../backends/replicate/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { eventually } from '../support/pool-client.ts';
import { type FakeHttpServer, jsonBody, startFakeHttp } from '../support/providers/provider-http.ts';
import { type ReplicateServer, startReplicateServer } from '../support/providers/replicate-server.ts';
import { closedUrl, quickRequest, slowRequest } from './backend-test-pools.ts';
import { callsOn, expectJoinedAndConflicting, failure } from './provider-fixtures.ts';

// A fake speaking Replicate's documented predictions API (see replicate-server.ts for the
// pages it follows): 30 ms a step, so slowRequest (100 steps) runs 3 s.
let server: ReplicateServer;
let elsewhere: FakeHttpServer;
let nowhere = '';
beforeAll(async () => {
  [server, elsewhere] = await Promise.all([
    startReplicateServer({ stepMs: 30 }),
    startFakeHttp(() => ({ status: 200, json: {} })),
  ]);
  nowhere = await closedUrl();
});
afterAll(async () => {
  await Promise.all([server?.close(), elsewhere?.close()]);
});

const options: ReplicateOptions = { pollIntervalMs: 25, syncWaitSeconds: 1 };
const backend = createReplicateBackend(options);
const invalidRequest = { ...quickRequest, size: '2048x2048' };
const pool = () => ({ url: server.modelUrl(), token: server.apiKey });
const refusing = (retryAfterSeconds: number) => async () => {
  server.rateLimit(retryAfterSeconds);
  return { pool: pool(), release: async () => server.rateLimit(null) };
};

runBackendConformance('replicate', () => ({
  backend,
  backendWith: (send) => createReplicateBackend({ ...options, fetch: send }),
  authorization: (token) => `Bearer ${token}`,
  pool: pool(),
  request: quickRequest,
  invalidRequest,
  slowRequest,
  refusedToken: 'r8_refused_key',
  closedUrl: nowhere,
  saturate: refusing(1),
  rateLimited: refusing(2),
  loadSignal: 'probe',
  async busy() {
    server.hold();
    const running = [1, 2].map(() => backend.generate(call({ deadlineMs: 60_000 })).catch(() => undefined));
    await eventually(() => server.active() >= 2);
    return {
      pool: pool(),
      async release() {
        server.release();
        await Promise.all(running);
        await eventually(() => server.active() === 0);
      },
    };
  },
}));

const call = callsOn(() => ({
  poolUrl: server.modelUrl(),
  request: quickRequest,
  deadlineMs: 30_000,
  token: server.apiKey,
}));
const creates = () =>
  server.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/predictions'));
const newest = () => [...server.predictions.values()].at(-1);

describe('replicate backend', () => {
  it('replicate: maps the request onto the model input and reports what it could not honour', async () => {
    const request = generationRequestSchema.parse({
      prompt: 'a red kite',
      n: 2,
      size: '128x96',
      steps: 3,
      seed: 11,
      quality: 'hd',
      style: 'vivid',
      priority: 'high',
      user: 'u-7',
    });
    const before = creates().length;
    const result = await backend.generate(call({ request }));
    const sent = creates().slice(before);
    expect(sent).toHaveLength(1);
    expect(jsonBody(sent[0] ?? { body: '' })).toEqual({
      input: {
        prompt: 'a red kite',
        num_outputs: 2,
        width: 128,
        height: 96,
        num_inference_steps: 3,
        seed: 11,
        output_format: 'png',
      },
    });
    expect(result.response.data).toHaveLength(2);
    expect(result.warnings).toEqual([
      expect.stringContaining('quality'),
      expect.stringContaining('style'),
      expect.stringContaining('priority high'),
      expect.stringContaining('seed'),
    ]);
  });

  it('replicate: a pool with upstream.version creates on the API base with the version', async () => {
    const before = creates().length;
    await backend.generate(call({ poolUrl: server.url, upstream: { version: 'v-5c7d5dc6' } }));
    const [sent] = creates().slice(before);
    expect(sent?.path).toBe('/v1/predictions');
    expect(jsonBody(sent ?? { body: '' }).version).toBe('v-5c7d5dc6');
  });

  it('replicate: asks Prefer: wait within the deadline, and none when under a second is left', async () => {
    const before = creates().length;
    await backend.generate(call());
    await backend.generate(call({ deadlineMs: 1_500 }));
    expect(
      creates()
        .slice(before)
        .map((request) => request.headers.prefer ?? null),
    ).toEqual(['wait=1', null]);
  });

  it('replicate: outputs come from the delivery host without the API key', async () => {
    const before = server.delivery.requests.length;
    const result = await backend.generate(call());
    const fetched = server.delivery.requests.slice(before);
    expect(fetched.map((request) => request.authorization)).toEqual([null]);
    expect(result.response.data[0]?.seed).toBe(quickRequest.seed);
  });

  it('replicate: an output URL the edge refuses (refuseOutputUrl) is never fetched; the call fails retryably', async () => {
    const judged: string[] = [];
    const guarded = createReplicateBackend({
      ...options,
      refuseOutputUrl: (url) => {
        judged.push(url);
        return new URL(url).origin === new URL(server.delivery.url).origin
          ? 'special address 127.0.0.1'
          : null;
      },
    });
    const before = server.delivery.requests.length;
    const error = await failure(guarded.generate(call()));
    expect([error.code, error.retryable]).toEqual(['upstream_failed', true]);
    expect(error.message).toContain('may not fetch (special address 127.0.0.1)');
    expect(judged).toEqual([expect.stringContaining(server.delivery.url)]);
    expect(server.delivery.requests.length).toBe(before);
  });

  it('replicate: urls.get on another origin is not followed; polls stay on the pool origin', async () => {
    server.answerUrlsOn(elsewhere.url);
    try {
      const polling = createReplicateBackend({ ...options, syncWaitSeconds: 0 });
      const result = await polling.generate(call({ request: { ...quickRequest, steps: 10 } }));
      expect(result.response.data).toHaveLength(1);
      expect(elsewhere.requests).toEqual([]);
      expect(
        server.requests.some(
          (request) => request.method === 'GET' && request.path.startsWith('/v1/predictions/'),
        ),
      ).toBe(true);
    } finally {
      server.answerUrlsOn(null);
    }
  });

  it('replicate: a failed prediction is retryable with work started; its error is in the message', async () => {
    server.failNext('CUDA out of memory');
    const error = await failure(backend.generate(call()));
    expect([error.code, error.retryable, error.workStarted]).toEqual(['upstream_failed', true, true]);
    expect(error.message).toContain('CUDA out of memory');
  });

  it('replicate: a prediction canceled at Replicate fails the call as job_canceled, not retryable', async () => {
    server.hold();
    try {
      const pending = failure(createReplicateBackend({ ...options, syncWaitSeconds: 0 }).generate(call()));
      await eventually(() => newest()?.status === 'processing');
      const id = newest()?.id ?? '';
      await fetch(`${server.url}/predictions/${id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.apiKey}` },
      });
      const error = await pending;
      expect([error.code, error.retryable]).toEqual(['job_canceled', false]);
    } finally {
      server.release();
    }
  });

  it('replicate: an output that is not a PNG fails retryably as output_not_png', async () => {
    server.deliverJpeg(true);
    try {
      const error = await failure(backend.generate(call()));
      expect([error.code, error.retryable, error.workStarted]).toEqual(['output_not_png', true, true]);
    } finally {
      server.deliverJpeg(false);
    }
  });

  it('replicate: concurrent calls with one job id make one prediction; another request is a conflict', async () => {
    await expectJoinedAndConflicting(backend, call, () => creates().length, slowRequest);
  });

  it('replicate: at the deadline the prediction is canceled at Replicate', async () => {
    const error = await failure(backend.generate(call({ request: slowRequest, deadlineMs: 400 })));
    expect([error.code, error.retryable]).toEqual(['deadline_exceeded', false]);
    expect(newest()?.status).toBe('canceled');
  });

  it('replicate: a cancel during a held create fails the call now and cancels once the id arrives', async () => {
    const jobId = `test-${crypto.randomUUID()}`;
    const count = server.predictions.size;
    const pending = failure(backend.generate(call({ jobId, request: slowRequest })));
    await eventually(() => server.predictions.size > count);
    await backend.cancel({ poolUrl: server.modelUrl(), jobId, token: server.apiKey });
    expect([(await pending).code, newest()?.status]).toEqual(['job_canceled', 'canceled']);
  });

  it('replicate: step counters in the logs reach onProgress', async () => {
    const seen: BackendProgress[] = [];
    const polling = createReplicateBackend({ ...options, syncWaitSeconds: 0 });
    await polling.generate(
      call({ request: { ...quickRequest, steps: 20 }, onProgress: (event) => seen.push(event) }),
    );
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((event) => event.kind === 'progress' && event.steps === 20)).toBe(true);
  });

  it('replicate: workOf counts megapixel-steps with the model defaults', () => {
    const work = backend.workOf?.(generationRequestSchema.parse({ prompt: 'x', n: 2 }), {
      steps: 30,
      size: '512x512',
    });
    expect(work).toBeCloseTo(2 * 30 * 0.262144);
  });
});
