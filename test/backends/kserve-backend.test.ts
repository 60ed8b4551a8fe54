import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackendConformance } from '../../backends/conformance/conformance-suite.ts';
import type { FetchFunction } from '../../backends/index.ts';
import { createKserveBackend, tritonMetricsUrl } from '../../backends/kserve/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { type KserveServer, startKserveServer } from '../support/providers/kserve-server.ts';
import { closedUrl } from './backend-test-pools.ts';
import { callsOn, failure, holdGenerations } from './provider-fixtures.ts';

const apiKey = `kserve-${crypto.randomUUID()}`;
const upstream = { model: 'sd-turbo' };
const slow = (body: Record<string, unknown>) => (JSON.stringify(body.inputs).includes('occupy') ? 30_000 : 0);
let roomy: KserveServer;
let tight: KserveServer;
let pixelsOut: KserveServer;
let nowhere = '';
const metricsByPool = new Map<string, string>();

beforeAll(async () => {
  [roomy, tight, pixelsOut] = await Promise.all([
    startKserveServer({ apiKey, latencyMs: slow }),
    startKserveServer({ apiKey, latencyMs: slow, capacity: 1 }),
    startKserveServer({
      imageDatatype: 'UINT8',
      model: 'sdxl',
      version: '3',
      promptTensor: 'text',
      imageTensor: 'pixels',
    }),
  ]);
  for (const server of [roomy, tight, pixelsOut]) metricsByPool.set(server.url, server.metricsUrl);
  nowhere = await closedUrl();
});
afterAll(async () => {
  await Promise.all([roomy?.close(), tight?.close(), pixelsOut?.close()]);
});

const options = { metricsUrl: (poolUrl: string) => metricsByPool.get(poolUrl) ?? null };
const backend = createKserveBackend(options);
const quickRequest = generationRequestSchema.parse({
  prompt: 'a lighthouse at dusk',
  size: '64x64',
  n: 2,
  steps: 2,
});
const slowRequest = generationRequestSchema.parse({ prompt: 'occupy the slot', size: '64x64' });
const call = callsOn(() => ({
  poolUrl: roomy.url,
  request: quickRequest,
  deadlineMs: 30_000,
  token: apiKey,
  upstream,
}));

/** Holds `count` inferences inside `server` (pending) until release, which lets them finish. */
const hold = (server: KserveServer, count: number) =>
  holdGenerations(backend, server, { url: server.url, token: apiKey, upstream }, count, call);

runBackendConformance('kserve', () => ({
  backend,
  backendWith: (send) => createKserveBackend({ ...options, fetch: send }),
  authorization: (token) => `Bearer ${token}`,
  pool: { url: roomy.url, token: apiKey, upstream },
  request: quickRequest,
  invalidRequest: { ...quickRequest, size: '96x96' },
  slowRequest,
  refusedToken: `kserve-refused-${crypto.randomUUID()}`,
  closedUrl: nowhere,
  saturate: () => hold(tight, 1),
  async rateLimited() {
    tight.rateLimited = 2;
    return {
      pool: { url: tight.url, token: apiKey, upstream },
      release: async () => {
        tight.rateLimited = null;
      },
    };
  },
  // Triton's nv_inference_pending_request_count, scraped by probe().
  loadSignal: 'probe',
  busy: () => hold(roomy, 2),
}));

describe('kserve backend', () => {
  it('kserve: infers on the versioned path with the registered tensors and the options as parameters', async () => {
    const request = generationRequestSchema.parse({
      ...quickRequest,
      seed: 11,
      quality: 'hd',
      style: 'vivid',
      priority: 'low',
      user: 'u-1',
    });
    const jobId = `test-${crypto.randomUUID()}`;
    const result = await backend.generate(
      call({
        poolUrl: pixelsOut.url,
        token: '',
        jobId,
        request,
        deadlineMs: 9_000,
        upstream: { model: 'sdxl', version: '3', promptTensor: 'text', imageTensor: 'pixels' },
      }),
    );
    const [sent] = pixelsOut.requests.slice(-1);
    expect([sent?.path, sent?.authorization, JSON.parse(sent?.body ?? '{}')]).toEqual([
      '/v2/models/sdxl/versions/3/infer',
      null,
      {
        id: jobId,
        parameters: { n: 2, steps: 2, seed: 11, width: 64, height: 64, timeout: 9_000_000 },
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [request.prompt] }],
        outputs: [{ name: 'pixels' }],
      },
    ]);
    expect(result.warnings).toEqual([
      expect.stringMatching(/^quality /),
      expect.stringMatching(/^style /),
      expect.stringMatching(/^priority low/),
    ]);
  });

  it('kserve: a UINT8 [n, h, w, 3] tensor comes back as PNGs holding the same pixels', async () => {
    const request = { ...quickRequest, n: 2 };
    const raw: FetchFunction = (url, init) => fetch(url, init);
    const result = await createKserveBackend({ fetch: raw, metricsUrl: () => null }).generate(
      call({
        poolUrl: pixelsOut.url,
        token: '',
        request,
        upstream: { model: 'sdxl', promptTensor: 'text', imageTensor: 'pixels' },
      }),
    );
    const direct = await fetch(`${pixelsOut.url}/v2/models/sdxl/infer`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [{ name: 'text', datatype: 'BYTES', shape: [1], data: [request.prompt] }],
        parameters: { n: 2, width: 64, height: 64 },
      }),
    });
    const expected = ((await direct.json()) as { outputs: Array<{ data: number[] }> }).outputs[0]?.data ?? [];
    const decoded = result.response.data.flatMap((image) => {
      const png = PNG.sync.read(Buffer.from(image.b64_json ?? '', 'base64'));
      expect([png.width, png.height]).toEqual([64, 64]);
      return [...png.data].filter((_, index) => index % 4 !== 3);
    });
    expect(decoded).toEqual(expected);
  });

  it('kserve: probe reads the model metrics, ignoring other models, and the GPU mean', async () => {
    const before = await backend.probe?.({ poolUrl: roomy.url, token: apiKey, upstream });
    await backend.generate(call());
    const after = await backend.probe?.({ poolUrl: roomy.url, token: apiKey, upstream });
    expect(before).toMatchObject({ ready: true, queued: 0, utilization: 0.5 });
    expect(after?.completedTotal).toBe((before?.completedTotal ?? Number.NaN) + 1);
    expect(after?.queueMsTotal).toBeGreaterThanOrEqual(0);
  });

  it('kserve: probe is not ready when the model or the server is not, or the key is refused', async () => {
    const probe = (token = apiKey) => backend.probe?.({ poolUrl: roomy.url, token, upstream });
    roomy.modelReady = false;
    try {
      expect(await probe()).toMatchObject({
        ready: false,
        detail: expect.stringContaining('/v2/models/sd-turbo/ready'),
      });
    } finally {
      roomy.modelReady = true;
    }
    roomy.serverReady = false;
    try {
      expect(await probe()).toMatchObject({
        ready: false,
        detail: expect.stringContaining('/v2/health/ready'),
      });
    } finally {
      roomy.serverReady = true;
    }
    expect(await probe('wrong')).toMatchObject({ ready: false });
    expect(await probe()).toMatchObject({ ready: true });
  });

  it('kserve: a server without metrics is still probed for readiness', async () => {
    const bare = createKserveBackend({ metricsUrl: () => `${nowhere}/metrics` });
    expect(await bare.probe?.({ poolUrl: roomy.url, token: apiKey, upstream })).toEqual({ ready: true });
  });

  it('kserve: an error body becomes the envelope; a full queue backs off without Retry-After', async () => {
    const missing = await failure(backend.generate(call({ upstream: { model: 'nope' } })));
    expect([missing.status, missing.code, missing.retryable, missing.envelope?.error.message]).toEqual([
      404,
      'model_not_found',
      false,
      expect.stringContaining('unknown model'),
    ]);
    const occupied = await hold(tight, 1);
    try {
      const full = await failure(backend.generate(call({ poolUrl: tight.url })));
      expect([full.status, full.retryable, full.workStarted, full.retryAfterSeconds]).toEqual([
        503,
        true,
        false,
        1,
      ]);
    } finally {
      await occupied.release();
    }
  });

  it('kserve: no model registered or requested fails retryably and sends nothing', async () => {
    const before = roomy.requests.length;
    const error = await failure(backend.generate(call({ upstream: {} })));
    expect([error.code, error.retryable, error.workStarted, roomy.requests.length - before]).toEqual([
      'model_not_found',
      true,
      false,
      0,
    ]);
  });

  it('kserve: a 200 without the image tensor is a retryable upstream failure', async () => {
    const empty: FetchFunction = async () => Response.json({ model_name: 'sd-turbo', outputs: [] });
    const error = await failure(createKserveBackend({ fetch: empty }).generate(call()));
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      200,
      'upstream_failed',
      true,
      true,
    ]);
  });

  it("kserve: metrics default to Triton's port 8002 on the pool's host; work counts the request's steps", () => {
    expect(tritonMetricsUrl('https://triton.example:8000/base?x=1')).toBe(
      'https://triton.example:8002/metrics',
    );
    expect(backend.workOf?.({ ...quickRequest, steps: 10 }, { steps: 4, size: '512x512' })).toBeCloseTo(
      (2 * 10 * 64 * 64) / 1_000_000,
      9,
    );
  });
});
