import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTinyDenoiser } from '../../gpu-node/model/tiny-model.ts';
import { writeTinyPipeline } from '../../gpu-node/pipeline/tiny-pipeline.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { expectError, expectSuccess, generate, telemetry } from '../support/pool-client.ts';

// A real gpu-node process serving the tiny Stable Diffusion export (diffusers/Optimum layout) with
// `--pipeline`, as an operator would serve sd-turbo; the built-in model is not loaded.
let folder = '';
let pool: GpuNodeProcess;

beforeAll(async () => {
  folder = join(mkdtempSync(join(tmpdir(), 'spillway-pipeline-e2e-')), 'tiny-sd');
  await writeTinyPipeline(folder, { scheduler: { timestep_spacing: 'leading' } });
  // A second model in the same pool: SDXL-Turbo's shape (two text encoders, added conditioning,
  // trailing spacing), int64 timesteps.
  await writeTinyPipeline(join(folder, '..', 'turbo'), { timestepType: 'int64', sdxl: true });
  pool = await startGpuNode([
    '--insecure-no-auth',
    '--max-batch-size',
    '4',
    '--pipeline',
    `tiny-sd=${folder}`,
    '--pipeline',
    join(folder, '..', 'turbo'),
    '--pipeline-sizes',
    '64x64,128x64',
  ]);
}, 120_000);
afterAll(async () => {
  await pool?.kill();
});

const request = { prompt: 'a photo of a cat', seed: 11, steps: 6, size: '64x64' };

describe('gpu-node serving a Stable Diffusion pipeline folder', () => {
  it('pipeline: advertises each model with its sizes, defaults and guidance options', async () => {
    const report = await telemetry(pool.url);
    const advertised = (name: string, default_steps: number) => ({
      name,
      sizes: ['64x64', '128x64'],
      default_size: '64x64',
      default_steps,
      max_steps: 100,
      options: ['negative_prompt', 'guidance_scale'],
      // Every model of the pool runs on the provider its chain took (CPU here).
      execution_provider: 'cpu',
    });
    expect(report.models).toEqual([advertised('tiny-sd', 25), advertised('turbo', 4)]);
  });

  it('pipeline: the second model serves its own requests, named by model; the first is the default', async () => {
    const turbo = expectSuccess(
      await generate(pool.url, { prompt: 'a photo of a cat', seed: 11, model: 'turbo' }),
    );
    expect(turbo.spillway).toMatchObject({ model: 'turbo', steps: 4 });
    const first = expectSuccess(await generate(pool.url, { prompt: 'a photo of a cat', seed: 11, steps: 4 }));
    expect(first.spillway?.model).toBe('tiny-sd');
    expect(first.data[0]?.b64_json).not.toBe(turbo.data[0]?.b64_json);
  });

  it('pipeline: a guided request with a negative prompt comes back as the same PNG, alone or among others', async () => {
    const guided = { ...request, guidance_scale: 7.5, negative_prompt: 'blurry' };
    const alone = expectSuccess(await generate(pool.url, guided));
    expect(alone.spillway?.model).toBe('tiny-sd');
    expect(alone.spillway?.warnings ?? []).toEqual([]);
    const png = Buffer.from(alone.data[0]?.b64_json ?? '', 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // Same request in a burst with others of other sizes, steps and guidance: same bytes.
    const burst = await Promise.all([
      generate(pool.url, guided),
      generate(pool.url, { ...request, seed: 12 }),
      generate(pool.url, { ...request, size: '128x64', steps: 3 }),
      generate(pool.url, { ...guided, negative_prompt: 'low quality' }),
    ]);
    const [same, other, wide, otherNegative] = burst.map((answer) => expectSuccess(answer).data[0]?.b64_json);
    expect(same).toBe(alone.data[0]?.b64_json);
    expect(new Set([same, other, wide, otherNegative]).size).toBe(4);
    // Without guidance the image differs again.
    const unguided = expectSuccess(await generate(pool.url, { ...request, guidance_scale: 0 }));
    expect(unguided.data[0]?.b64_json).not.toBe(same);
  });

  it('pipeline: each model that has stepped reports its own step curve beside the pool’s', async () => {
    const report = await telemetry(pool.url);
    for (const model of report.models) {
      expect(model.step_curve?.length ?? 0).toBeGreaterThan(0);
      for (const point of model.step_curve ?? []) {
        expect(point.step_ms).toBeGreaterThan(0);
        expect(point.batch_megapixels).toBeGreaterThan(0);
      }
    }
  });

  it('pipeline: a size it does not serve is a 400 naming the field', async () => {
    const error = expectError(await generate(pool.url, { ...request, size: '96x96' }));
    expect(error.status).toBe(400);
    expect(error.error.param).toBe('size');
  });

  it('pipeline: a folder whose UNet lacks the exported tensor names stops start-up, naming file and tensor', async () => {
    const broken = join(mkdtempSync(join(tmpdir(), 'spillway-pipeline-broken-')), 'broken');
    await writeTinyPipeline(broken);
    writeFileSync(join(broken, 'unet', 'model.onnx'), buildTinyDenoiser());
    const result = spawnSync(
      process.execPath,
      ['gpu-node/main.ts', '--insecure-no-auth', '--port', '0', '--pipeline', broken],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/unet[/\\]model\.onnx: no input tensor named sample/);
  });
});
