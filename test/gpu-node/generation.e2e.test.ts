import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLoadEvent } from '../../shared/index.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';
import {
  expectError,
  expectSuccess,
  generate,
  metrics,
  metricValue,
  telemetry,
} from '../support/pool-client.ts';

// One real gpu-node process (ONNX Runtime on CPU, worker threads) for the whole file.
const edgeKey = writeKeyPair('ed25519', 'edge');
let pool: GpuNodeProcess;
let token: string;

beforeAll(async () => {
  pool = await startGpuNode([
    '--pool-id',
    'gen',
    '--edge-public-key',
    edgeKey.publicPath,
    '--max-batch-size',
    '8',
    '--providers',
    'cpu',
  ]);
  token = await dispatchToken(edgeKey.privateKey, { audience: 'gen' });
});
afterAll(async () => {
  await pool.kill();
});

const small = { size: '64x64', steps: 6 } as const;
const imageOf = (b64: string | undefined) => PNG.sync.read(Buffer.from(b64 ?? '', 'base64'));

describe('gpu-node generation', () => {
  it('generate: same prompt, seed and steps give byte-identical PNGs', async () => {
    const request = { prompt: 'a lighthouse at dusk', seed: 42, ...small };
    const first = expectSuccess(await generate(pool.url, request, { token }));
    const second = expectSuccess(await generate(pool.url, request, { token }));
    expect(first.data[0]?.b64_json).toBeDefined();
    expect(second.data[0]?.b64_json).toBe(first.data[0]?.b64_json);
    const png = imageOf(first.data[0]?.b64_json);
    expect([png.width, png.height]).toEqual([64, 64]);
    expect(first.spillway?.execution_provider).toBe('cpu');
    expect(first.data[0]?.seed).toBe(42);
  });

  it('generate: a different seed or prompt gives a different image', async () => {
    const base = expectSuccess(
      await generate(pool.url, { prompt: 'a red fox', seed: 1, ...small }, { token }),
    );
    const otherSeed = expectSuccess(
      await generate(pool.url, { prompt: 'a red fox', seed: 2, ...small }, { token }),
    );
    const otherPrompt = expectSuccess(
      await generate(pool.url, { prompt: 'a blue whale', seed: 1, ...small }, { token }),
    );
    expect(otherSeed.data[0]?.b64_json).not.toBe(base.data[0]?.b64_json);
    expect(otherPrompt.data[0]?.b64_json).not.toBe(base.data[0]?.b64_json);
  });

  it('generate: n images use seeds s, s+1, … and each equals its single-image generation', async () => {
    const many = expectSuccess(
      await generate(pool.url, { prompt: 'harbour', seed: 100, n: 3, ...small }, { token }),
    );
    expect(many.data.map((image) => image.seed)).toEqual([100, 101, 102]);
    const third = expectSuccess(
      await generate(pool.url, { prompt: 'harbour', seed: 102, ...small }, { token }),
    );
    expect(many.data[2]?.b64_json).toBe(third.data[0]?.b64_json);
  });

  it('generate: a small, smooth PNG (under 4 KiB) comes back, and its slot is freed', async () => {
    // Many steps at 64 px give a smooth image whose PNG is small enough to sit in Node's shared
    // Buffer pool, which a worker thread cannot transfer: this request used to hang for good.
    const answer = expectSuccess(
      await generate(pool.url, { prompt: 'a', seed: 3, size: '64x64', steps: 60, n: 2 }, { token }),
    );
    for (const image of answer.data) {
      const bytes = Buffer.from(image.b64_json ?? '', 'base64');
      expect(bytes.length).toBeLessThan(4096);
      expect(PNG.sync.read(bytes).width).toBe(64);
    }
    expect(metricValue(await metrics(pool.url), 'spillway_running_images')).toBe(0);
  });

  it('idempotency: a repeated job_id joins the job, running or done, and computes once', async () => {
    const request = { prompt: 'idempotent', seed: 9, job_id: 'job-idem-1', size: '256x256', steps: 20 };
    const before = metricValue(await metrics(pool.url), 'spillway_jobs_total');
    const [first, second] = await Promise.all([
      generate(pool.url, request, { token }),
      generate(pool.url, request, { token }),
    ]);
    const third = await generate(pool.url, request, { token });
    const after = metricValue(await metrics(pool.url), 'spillway_jobs_total');
    expect(after - before).toBe(1);
    expect(expectSuccess(second).data[0]?.b64_json).toBe(expectSuccess(first).data[0]?.b64_json);
    expect(expectSuccess(third).spillway?.job_id).toBe('job-idem-1');
    const conflict = expectError(
      await generate(pool.url, { ...request, prompt: 'something else' }, { token }),
    );
    expect([conflict.status, conflict.error.code, conflict.error.param]).toEqual([
      409,
      'job_id_conflict',
      'job_id',
    ]);
  });

  it('sse: streams queued, progress (the first and the last step at once, paced between), then completed with the result', async () => {
    const response = await fetch(`${pool.url}/v1/generate`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ prompt: 'streamed', seed: 5, size: '64x64', steps: 4 }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const events = [...(await response.text()).matchAll(/event: (\w+)\ndata: (.*)\n/g)].map((match) => ({
      name: match[1],
      data: JSON.parse(match[2] ?? '{}') as Record<string, unknown>,
    }));
    expect(events[0]?.name).toBe('queued');
    // Straight into a batch on an idle pool: the opening event says the batch's size, its own
    // 64x64 image at least (what the edge prices its step time by).
    expect(events[0]?.data.position).toBe(0);
    expect(Number(events[0]?.data.batch_megapixels)).toBeGreaterThanOrEqual(0.004096);
    expect(events.at(-1)?.name).toBe('completed');
    // Just before it, the pool's load as the job left it: the job is no longer in it.
    expect(events.at(-2)?.name).toBe('load');
    const leaving = parseLoadEvent(JSON.stringify(events.at(-2)?.data));
    expect(leaving).toMatchObject({ queued: 0, running: 0, runningWork: 0 });
    expect(leaving?.slots).toBe((await telemetry(pool.url, token)).slots);
    const progress = events
      .filter((event) => event.name === 'progress')
      .map((event) => Number(event.data.step));
    // The first step goes out at once; later ones at most every PROGRESS_EVENT_MIN_MS, so a 64 px
    // image's quick steps may come as fewer events, in order, never past the last step.
    expect(progress[0]).toBe(1);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(new Set(progress).size).toBe(progress.length);
    expect(progress.every((step) => step >= 1 && step <= 4)).toBe(true);
    // The last step is never held back by the pacing: progress ends at 4 of 4 before `completed`.
    expect(progress.at(-1)).toBe(4);
    const completed = events.at(-1)?.data as { data: Array<{ b64_json: string }> };
    const plain = expectSuccess(
      await generate(pool.url, { prompt: 'streamed', seed: 5, size: '64x64', steps: 4 }, { token }),
    );
    expect(completed.data[0]?.b64_json).toBe(plain.data[0]?.b64_json);
  });

  it('responses piggyback the pool load in headers', async () => {
    const answer = await generate(pool.url, { prompt: 'headers', seed: 1, ...small }, { token });
    expect(answer.headers.get('x-spillway-slots')).toBe(String((await telemetry(pool.url, token)).slots));
    expect(answer.headers.get('x-spillway-queued')).toMatch(/^\d+$/);
    expect(answer.headers.get('x-spillway-pool')).toBe('gen');
    expect(answer.headers.get('x-request-id')).toBeTruthy();
    expect(answer.headers.get('content-type')).toMatch(/^application\/json\b/);
  });

  it('telemetry: an image’s decode and encode after its last step is measured (work.finish_ms)', async () => {
    expectSuccess(await generate(pool.url, { prompt: 'finish time', seed: 2, ...small }, { token }));
    const { work } = await telemetry(pool.url, token);
    expect(work?.finish_ms).toBeGreaterThan(0);
    // Finishing is what follows the steps, never the whole job.
    const job = (await telemetry(pool.url, token)).ewma_job_ms;
    expect(work?.finish_ms).toBeLessThan(job ?? 0);
  });
});
