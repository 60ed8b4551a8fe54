import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRgbPng } from '../engine/png-encoder.ts';
import { buildTinyDenoiser } from '../model/tiny-model.ts';
import { PipelineFolderError } from './pipeline-folder.ts';
import { type PipelineRequest, PipelineRunner } from './pipeline-runner.ts';
import { writeTinyPipeline } from './tiny-pipeline.ts';

const cpu = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 };
let folder = '';
let runner: PipelineRunner;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'spillway-pipeline-'));
  await writeTinyPipeline(join(folder, 'turbo'));
  runner = await PipelineRunner.open(join(folder, 'turbo'), cpu);
});
afterAll(async () => {
  await runner?.release();
  await rm(folder, { recursive: true, force: true });
});

const base: PipelineRequest = {
  prompt: 'a photo of a cat',
  steps: 4,
  guidanceScale: 0,
  seed: 7,
  width: 64,
  height: 64,
};
const png = (rgb: Uint8Array) => Buffer.from(encodeRgbPng(rgb, 64, 64, 6)).toString('base64');

describe('stable diffusion pipeline folders (tiny, CPU)', () => {
  it('pipeline: a folder in the exported layout loads and draws an image with structure', async () => {
    expect(runner.scheduler).toEqual({ name: 'EulerDiscreteScheduler', fallback: false });
    const [rgb] = await runner.generate([base]);
    expect(rgb).toHaveLength(64 * 64 * 3);
    expect(new Set(rgb).size).toBeGreaterThan(16);
  });

  it('pipeline: the same request gives byte-identical PNGs, alone or batched with others', async () => {
    const others: PipelineRequest[] = [
      { ...base, prompt: 'a red dog', seed: 8, steps: 6, guidanceScale: 7.5, negativePrompt: 'blurry' },
      { ...base, seed: 9, scheduler: 'EulerAncestralDiscreteScheduler' },
      { ...base, seed: 10, scheduler: 'DDIMScheduler', steps: 3 },
    ];
    const alone = [];
    for (const request of [base, ...others])
      alone.push(png((await runner.generate([request]))[0] ?? new Uint8Array()));
    const together = (await runner.generate([base, ...others])).map(png);
    expect(together).toEqual(alone);
    expect(png((await runner.generate([base]))[0] ?? new Uint8Array())).toBe(alone[0]);
    expect(new Set(alone).size).toBe(alone.length);
  });

  it('pipeline: prompt, negative prompt, guidance, seed and scheduler each change the image', async () => {
    const image = async (request: PipelineRequest) =>
      png((await runner.generate([request]))[0] ?? new Uint8Array());
    const reference = await image(base);
    const guided = { ...base, guidanceScale: 7.5 };
    const variants = [
      { ...base, prompt: 'a dog' },
      { ...base, seed: 8 },
      guided,
      { ...guided, negativePrompt: 'low quality' },
      { ...base, scheduler: 'DDIMScheduler' as const },
      { ...base, scheduler: 'EulerAncestralDiscreteScheduler' as const },
    ];
    const images = [reference];
    for (const variant of variants) images.push(await image(variant));
    expect(new Set(images).size).toBe(images.length);
  });

  it('pipeline: an export whose UNet takes an int64 timestep loads and runs', async () => {
    await writeTinyPipeline(join(folder, 'int64'), {
      timestepType: 'int64',
      scheduler: { _class_name: 'DDIMScheduler' },
    });
    const other = await PipelineRunner.open(join(folder, 'int64'), cpu);
    try {
      expect(other.scheduler.name).toBe('DDIMScheduler');
      const [rgb] = await other.generate([{ ...base, steps: 3 }]);
      expect(rgb).toHaveLength(64 * 64 * 3);
    } finally {
      await other.release();
    }
  });

  it('pipeline: a float16 export (--fp16) loads and draws the same image alone or batched', async () => {
    await writeTinyPipeline(join(folder, 'fp16'), { precision: 'float16' });
    const half = await PipelineRunner.open(join(folder, 'fp16'), cpu);
    try {
      const other = { ...base, seed: 8, guidanceScale: 7.5, negativePrompt: 'blurry' };
      const [alone] = await half.generate([base]);
      const [together] = await half.generate([base, other]);
      expect(alone).toHaveLength(64 * 64 * 3);
      expect(new Set(alone).size).toBeGreaterThan(16);
      expect(png(together ?? new Uint8Array())).toBe(png(alone ?? new Uint8Array()));
      // The same weights in float32: close, but rounded differently at the edges.
      const [full] = await runner.generate([base]);
      let differing = 0;
      full?.forEach((value, index) => {
        if (Math.abs(value - (alone?.[index] ?? 0)) > 8) differing++;
      });
      expect(differing).toBeLessThan((full?.length ?? 0) / 10);
    } finally {
      await half.release();
    }
  });

  it('pipeline: a folder that does not match says which file and tensor', async () => {
    const broken = join(folder, 'broken');
    await writeTinyPipeline(broken);
    await writeFile(join(broken, 'unet', 'model.onnx'), buildTinyDenoiser());
    await expect(PipelineRunner.open(broken, cpu)).rejects.toThrow(PipelineFolderError);
    await expect(PipelineRunner.open(broken, cpu)).rejects.toThrow(
      /unet[/\\]model\.onnx: no input tensor named sample/,
    );
    await writeFile(
      join(broken, 'scheduler', 'scheduler_config.json'),
      '{"_class_name": "DDIMScheduler", "beta_schedule": "cubic"}',
    );
    await expect(PipelineRunner.open(broken, cpu)).rejects.toThrow(/scheduler_config\.json: beta_schedule/);
    await rm(join(broken, 'vae_decoder', 'model.onnx'));
    await writeFile(join(broken, 'scheduler', 'scheduler_config.json'), '{"_class_name": "DDIMScheduler"}');
    await expect(PipelineRunner.open(broken, cpu)).rejects.toThrow(/vae_decoder[/\\]model\.onnx: missing/);
    await expect(PipelineRunner.open(join(folder, 'nowhere'), cpu)).rejects.toThrow(
      /model_index\.json: missing/,
    );
  });
});
