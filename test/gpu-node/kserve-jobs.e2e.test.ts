import { describe, expect, it, vi } from 'vitest';
import { freshFakeEnginePoolPerTest } from '../../gpu-node/testing/test-pool.ts';
import { eventually, metrics, metricValue } from '../support/pool-client.ts';

// How a KServe inference request's jobs are admitted, waited on, cancelled and counted, against
// the real gpu-node server around a fake engine that steps only when told to. Two slots and a
// queue of four: a pool that holds at most six images at once.
const currentPool = freshFakeEnginePoolPerTest({
  poolId: 'kserve-jobs',
  workers: 1,
  maxBatchSize: 2,
  maxQueueSize: 4,
});

const model = 'spillway-tiny';

interface InferOptions {
  readonly id?: string;
  readonly seeds?: readonly number[];
  readonly outputs?: readonly string[];
  readonly signal?: AbortSignal;
}

/** POSTs a KServe inference request of `prompts` (64x64, 100 steps: running until the test steps it). */
function infer(prompts: readonly string[], options: InferOptions = {}): Promise<Response> {
  const seeds = options.seeds ?? prompts.map((_, index) => index + 1);
  return postInfer(
    {
      ...(options.id === undefined ? {} : { id: options.id }),
      parameters: { size: '64x64' },
      inputs: [
        { name: 'prompt', datatype: 'BYTES', shape: [prompts.length], data: prompts },
        { name: 'seed', datatype: 'INT64', shape: [seeds.length], data: seeds },
        { name: 'steps', datatype: 'INT32', shape: [1], data: [100] },
      ],
      outputs: (options.outputs ?? ['image_seed']).map((name) => ({ name })),
    },
    options.signal,
  );
}

function postInfer(body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${currentPool().url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });
}

/** Status and message of a KServe error; fails unless the body is the protocol's error shape. */
async function kserveError(response: Response): Promise<[number, string]> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'request_id']);
  return [response.status, String(body.error)];
}

async function imageSeeds(response: Response): Promise<unknown> {
  expect(response.status).toBe(200);
  const body = (await response.json()) as { outputs: Array<{ name: string; data: unknown }> };
  return body.outputs.find((output) => output.name === 'image_seed')?.data;
}

async function jobState(jobId: string): Promise<unknown> {
  return ((await (await fetch(`${currentPool().url}/v1/jobs/${jobId}`)).json()) as { status?: unknown })
    .status;
}

describe('kserve conflicting retries', () => {
  it('kserve conflicts: a retry whose prompts partly conflict is 409 and leaves the original request untouched', async () => {
    const pool = currentPool();
    const original = infer(['p1', 'p2'], { id: 'x' });
    await pool.engine.whenSubmitted(2);
    // Its first prompt is the original's first job, its second conflicts with the second.
    const retry = await infer(['p1', 'p3'], { id: 'x' });
    expect(await kserveError(retry)).toEqual([
      409,
      'job_id is already in use on this pool by another request',
    ]);
    expect(pool.engine.cancelRequests).toEqual([]);
    pool.engine.runUntilIdle();
    expect(await imageSeeds(await original)).toEqual([1, 2]);
  });
});

describe('kserve job failures', () => {
  it('kserve failures: a failed job answers with the status /v1 gives it, in the KServe shape; a cancelled one frees the request’s other job', async () => {
    const pool = currentPool();
    const waiting = infer(['p1', 'p2'], { id: 'c' });
    await pool.engine.whenSubmitted(2);
    expect((await fetch(`${pool.url}/v1/jobs/kserve-c-1`, { method: 'DELETE' })).status).toBe(200);
    expect(await kserveError(await waiting)).toEqual([409, 'the job was canceled']);
    // Nobody else waits for the first job: it leaves the batch instead of running to the end.
    expect(await jobState('kserve-c-0')).toBe('canceled');
    expect([...pool.engine.cancelRequests].sort()).toEqual(
      pool.engine.submitted.map((sample) => sample.sampleId).sort(),
    );
    pool.engine.step();

    const failing = infer(['p1'], { id: 'f' });
    await pool.engine.whenSubmitted(3);
    pool.engine.fail(pool.engine.submitted[2]?.sampleId ?? '', 'the device fell over');
    expect(await kserveError(await failing)).toEqual([500, 'inference failed: the device fell over']);
    const late = await postInfer({
      parameters: { size: '64x64', timeout: 1_000 },
      inputs: [{ name: 'prompt', datatype: 'BYTES', shape: [1], data: ['late'] }],
    });
    expect(await kserveError(late)).toEqual([504, 'the job passed its deadline before it finished']);
  });
});

describe('kserve disconnects', () => {
  it('kserve disconnect: a client that hangs up cancels the jobs only it waits on', async () => {
    const pool = currentPool();
    const controller = new AbortController();
    const leaving = infer(['p1', 'p2'], { id: 'h', signal: controller.signal });
    await pool.engine.whenSubmitted(2);
    // Another caller joins the first job (same id and body) and streams it.
    const joined = await fetch(`${pool.url}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ prompt: 'p1', model, seed: 1, steps: 100, size: '64x64', job_id: 'kserve-h-0' }),
    });
    const reader = joined.body?.getReader();
    const firstEvent = new TextDecoder().decode((await reader?.read())?.value);
    expect(firstEvent).toContain('event: queued');
    expect(pool.engine.submitted).toHaveLength(2);

    controller.abort();
    await expect(leaving).rejects.toThrow();
    const [first, second] = pool.engine.submitted.map((sample) => sample.sampleId);
    await eventually(() => pool.engine.cancelRequests.length > 0);
    expect(pool.engine.cancelRequests).toEqual([second]);
    expect(first).toBeDefined();
    pool.engine.runUntilIdle();
    let stream = firstEvent;
    for (let chunk = await reader?.read(); chunk && !chunk.done; chunk = await reader?.read()) {
      stream += new TextDecoder().decode(chunk.value);
    }
    expect(stream).toContain('event: completed');
    expect([await jobState('kserve-h-0'), await jobState('kserve-h-1')]).toEqual(['succeeded', 'canceled']);
  });
});

describe('kserve request size', () => {
  it('kserve size: more prompts than a request may carry, or than the pool can ever hold, is 400 naming the limit', async () => {
    const pool = currentPool();
    const eleven = await infer(Array.from({ length: 11 }, (_, index) => `p${index}`));
    expect(await kserveError(eleven)).toEqual([
      400,
      'a request may carry at most 10 prompts (one image each); this one has 11',
    ]);
    const seven = await infer(Array.from({ length: 7 }, (_, index) => `p${index}`));
    expect(await kserveError(seven)).toEqual([
      400,
      'this pool holds at most 6 images at once (2 batch slots and a queue of 4), so a request may carry at most that many prompts; this one has 7',
    ]);
    expect(seven.headers.get('retry-after')).toBeNull();
    expect(pool.engine.submitted).toEqual([]);
    const metadata = (await (await fetch(`${pool.url}/v2/models/${model}`)).json()) as {
      parameters: Record<string, unknown>;
    };
    expect(metadata.parameters.max_prompts).toBe(6);
  });

  it('kserve image: the pixels are made off the HTTP thread, one image at a time as the client reads', async () => {
    const pool = currentPool();
    const encoder = pool.context.imageTensors;
    const encode = encoder.encode.bind(encoder);
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const asked: Uint8Array[] = [];
    vi.spyOn(encoder, 'encode').mockImplementation(async (png) => {
      asked.push(png);
      await gate;
      return encode(png);
    });
    const response = infer(['p1', 'p2'], { outputs: ['image', 'image_seed'] });
    await pool.engine.whenSubmitted(2);
    pool.engine.runUntilIdle();
    let done = false;
    const body = response.then(async (answer) => {
      const text = await answer.text();
      done = true;
      return text;
    });
    await eventually(() => asked.length === 1);
    // While the first image is being made, the pool answers others and starts no second one.
    expect((await fetch(`${pool.url}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${pool.url}/v1/telemetry`)).status).toBe(200);
    expect([done, asked.length]).toEqual([false, 1]);
    open();
    const parsed = JSON.parse(await body) as {
      outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
    };
    expect(asked).toHaveLength(2);
    const [image, seeds] = parsed.outputs;
    expect([image?.name, image?.datatype, image?.shape]).toEqual(['image', 'UINT8', [2, 64, 64, 3]]);
    // The fake engine paints each image in its seed.
    const pixels = 64 * 64 * 3;
    expect(image?.data).toEqual([...Array(pixels).fill(1), ...Array(pixels).fill(2)]);
    expect(seeds).toEqual({ name: 'image_seed', datatype: 'INT64', shape: [2], data: [1, 2] });
  });
});

describe('kserve tensor data', () => {
  it('kserve data: data nested deeper than its shape is 400, however deep', async () => {
    // 10,000 levels in 20 KB, written by hand: JSON.stringify itself recurses.
    const deep = `${'['.repeat(10_000)}"x"${']'.repeat(10_000)}`;
    for (const data of [deep, '[[["x"]]]']) {
      const response = await fetch(`${currentPool().url}/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"inputs":[{"name":"prompt","datatype":"BYTES","shape":[1],"data":${data}}]}`,
      });
      expect(await kserveError(response)).toEqual([400, 'input prompt data does not match its shape']);
    }
    expect(currentPool().engine.submitted).toEqual([]);
  });
});

describe('kserve metrics', () => {
  it('kserve metrics: a refused request counts once under its reason and admits nothing', async () => {
    const pool = currentPool();
    const filling = infer(['a', 'b', 'c', 'd', 'e'], { id: 'full' });
    await pool.engine.whenSubmitted(2);
    await eventually(() => pool.scheduler.load().queued === 3);
    // One image of room left: the three prompts are refused together, none admitted.
    const busy = await infer(['f', 'g', 'h']);
    expect((await kserveError(busy))[0]).toBe(503);
    expect(Number(busy.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(pool.scheduler.load().queued).toBe(3);
    const taken = await infer(['another a'], { id: 'full' });
    expect((await kserveError(taken))[0]).toBe(409);
    const counted = await metrics(pool.url);
    expect(
      ['queue_full', 'job_id_conflict', 'job_canceled'].map((reason) =>
        metricValue(counted, 'spillway_job_failures_total', { reason }),
      ),
    ).toEqual([1, 1, 0]);
    expect(metricValue(counted, 'spillway_jobs_total', { outcome: 'canceled' })).toBe(0);
    pool.engine.runUntilIdle();
    expect(await imageSeeds(await filling)).toEqual([1, 2, 3, 4, 5]);
  });
});
