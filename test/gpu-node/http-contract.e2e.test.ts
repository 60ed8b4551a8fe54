import { describe, expect, it } from 'vitest';
import { freshFakeEnginePoolPerTest } from '../../gpu-node/testing/test-pool.ts';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { eventually, expectError, expectSuccess, generate } from '../support/pool-client.ts';

// The real gpu-node server on 127.0.0.1 around an engine that steps only when told to, so no
// check depends on how fast this host computes.
const currentPool = freshFakeEnginePoolPerTest({
  poolId: 'contract',
  workers: 1,
  maxBatchSize: 4,
  maxQueueSize: 8,
});

const prompt = { name: 'prompt', datatype: 'BYTES', shape: [1], data: ['a quiet street'] };

function infer(baseUrl: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/v2/models/spillway-tiny/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The message of a KServe error body; fails unless the body is that shape. */
async function kserveError(response: Response): Promise<string> {
  const body = (await response.json()) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['error', 'request_id']);
  expect(typeof body.error).toBe('string');
  return String(body.error);
}

/** A gauge's value exactly as `/metrics` writes it. */
async function gaugeText(baseUrl: string, name: string): Promise<string | undefined> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
}

describe('gpu-node: a known path asked with the wrong method', () => {
  it('405: /v1 paths answer the /v1 envelope with Allow naming the served methods', async () => {
    const pool = currentPool();
    const put = await fetch(`${pool.url}/v1/generate`, { method: 'PUT', body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('OPTIONS, POST');
    const envelope = errorEnvelopeSchema.parse(await put.json());
    expect(envelope.error.code).toBe('method_not_allowed');
    expect(envelope.error.message).toContain('POST');

    const patch = await fetch(`${pool.url}/v1/jobs/some-job`, { method: 'PATCH' });
    expect(patch.status).toBe(405);
    expect(patch.headers.get('allow')).toBe('DELETE, GET, HEAD, OPTIONS');
    expect(errorEnvelopeSchema.parse(await patch.json()).error.code).toBe('method_not_allowed');
  });

  it("405: /v2 paths answer KServe's {error} with Allow, versioned paths and health alike", async () => {
    const pool = currentPool();
    for (const path of ['/v2/models/spillway-tiny/infer', '/v2/models/spillway-tiny/versions/1/infer']) {
      const response = await fetch(`${pool.url}${path}`);
      expect(response.status, path).toBe(405);
      expect(response.headers.get('allow')).toBe('OPTIONS, POST');
      expect(await kserveError(response)).toContain('POST');
    }
    const health = await fetch(`${pool.url}/v2/health/live`, { method: 'POST' });
    expect(health.status).toBe(405);
    expect(health.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    await kserveError(health);
  });

  it('405: OPTIONS on a served path answers 204 with Allow; unknown paths stay 404', async () => {
    const pool = currentPool();
    const options = await fetch(`${pool.url}/v2/models/spillway-tiny`, { method: 'OPTIONS' });
    expect(options.status).toBe(204);
    expect(options.headers.get('allow')).toBe('GET, HEAD, OPTIONS');

    const unknownV1 = await fetch(`${pool.url}/v1/nothing-here`, { method: 'PUT' });
    expect(unknownV1.status).toBe(404);
    expect(unknownV1.headers.get('allow')).toBeNull();
    expect(errorEnvelopeSchema.parse(await unknownV1.json()).error.code).toBe('not_found');
    const trailingSlash = await fetch(`${pool.url}/v1/generate/`, { method: 'POST', body: '{}' });
    expect(trailingSlash.status).toBe(404);
    const unknownV2 = await fetch(`${pool.url}/v2/models/spillway-tiny/explain`, { method: 'POST' });
    expect(unknownV2.status).toBe(404);
    await kserveError(unknownV2);
  });
});

describe('gpu-node: KServe inference refuses repeated tensor names', () => {
  it('400 naming a duplicated input, as Triton refuses it, before any job is made', async () => {
    const pool = currentPool();
    // A request that were taken would run to its answer rather than wait for a step.
    pool.engine.runFreely();
    const second = { ...prompt, data: ['a loud street'] };
    const response = await infer(pool.url, { inputs: [prompt, second] });
    expect(response.status).toBe(400);
    expect(await kserveError(response)).toMatch(/duplicate input prompt/);
    expect(pool.engine.submitted).toHaveLength(0);
  });

  it('400 naming a duplicated requested output', async () => {
    const pool = currentPool();
    pool.engine.runFreely();
    const response = await infer(pool.url, {
      inputs: [prompt],
      outputs: [{ name: 'png_base64' }, { name: 'image_seed' }, { name: 'png_base64' }],
    });
    expect(response.status).toBe(400);
    expect(await kserveError(response)).toMatch(/duplicate output png_base64/);
    expect(pool.engine.submitted).toHaveLength(0);
  });
});

describe('gpu-node /v1/generate: null in an optional field means "not given"', () => {
  it('null size, steps, seed, n and the rest take their defaults, as the edge reads them', async () => {
    const pool = currentPool();
    pool.engine.runFreely();
    const body = expectSuccess(
      await generate(pool.url, {
        prompt: 'a quiet street',
        model: null,
        n: null,
        size: null,
        steps: null,
        seed: null,
        priority: null,
        deadline_ms: null,
        job_id: null,
        negative_prompt: null,
        guidance_scale: null,
      }),
    );
    expect(body.data).toHaveLength(1);
    const offer = pool.context.servedModels[0];
    expect(pool.engine.submitted[0]).toMatchObject({
      steps: offer?.default_steps,
      width: Number(offer?.default_size.split('x')[0]),
    });
  });

  it('a null prompt and present values that are wrong are still refused, naming the field', async () => {
    const pool = currentPool();
    const nullPrompt = expectError(await generate(pool.url, { prompt: null, size: null }));
    expect(nullPrompt.status).toBe(400);
    expect(nullPrompt.error.param).toBe('prompt');
    const badSteps = expectError(await generate(pool.url, { prompt: 'x', size: null, steps: 0 }));
    expect(badSteps.error.param).toBe('steps');
    const badSize = expectError(await generate(pool.url, { prompt: 'x', size: 'big', seed: null }));
    expect(badSize.error.param).toBe('size');
    expect(pool.engine.submitted).toHaveLength(0);
  });
});

describe('gpu-node /metrics: work gauges without float noise', () => {
  it('queued and running work read as the exact decimals of their images while they step', async () => {
    const pool = currentPool();
    const sizes = ['64x64', '128x128', '256x256', '512x512', '1024x1024', '512x512'];
    const answers: Array<ReturnType<typeof generate>> = [];
    // One at a time, so the first four take the slots in this order.
    for (const [seed, size] of sizes.entries()) {
      answers.push(generate(pool.url, { prompt: 'drift', seed, size, steps: 30 }));
      await eventually(() => {
        const { queued, running } = pool.scheduler.load();
        return queued + running === seed + 1;
      });
    }
    // Running: 64² + 128² + 256² + 512² px at 30 steps; queued: 1024² + 512² px at 30 steps.
    const runningPixels = 4096 + 16_384 + 65_536 + 262_144;
    const queuedPixels = 1_048_576 + 262_144;
    expect(await gaugeText(pool.url, 'spillway_queued_work_megapixel_steps')).toBe(
      String((30 * queuedPixels) / 1e6),
    );
    for (let step = 1; step <= 29; step += 1) {
      pool.engine.step();
      expect(await gaugeText(pool.url, 'spillway_running_work_megapixel_steps'), `step ${step}`).toBe(
        String(((30 - step) * runningPixels) / 1e6),
      );
    }
    pool.engine.step();
    // The first four finished; the queued two took their slots.
    await eventually(() => pool.scheduler.load().queued === 0);
    pool.engine.step();
    expect(await gaugeText(pool.url, 'spillway_queued_work_megapixel_steps')).toBe('0');
    expect(await gaugeText(pool.url, 'spillway_running_work_megapixel_steps')).toBe(
      String((29 * queuedPixels) / 1e6),
    );
    pool.engine.runFreely();
    for (const answer of await Promise.all(answers)) expectSuccess(answer);
    expect(await gaugeText(pool.url, 'spillway_running_work_megapixel_steps')).toBe('0');
    const throughput = await gaugeText(pool.url, 'spillway_work_throughput_megapixel_steps_per_second');
    expect(throughput).toMatch(/^\d+(\.\d{1,6})?$/);
  });
});
