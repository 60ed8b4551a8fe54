import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeRgbPng } from '../engine/png-encoder.ts';
import { loadClipTokenizer } from './clip-tokenizer.ts';
import { type PipelineRequest, PipelineRunner } from './pipeline-runner.ts';
import { buildTinyUnet, writeTinyPipeline } from './tiny-pipeline.ts';
import { buildTinyLayeredEncoder, TINY_SDXL } from './tiny-sdxl.ts';

const cpu = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 };
let folder = '';
let sdxl = '';
let runner: PipelineRunner;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'spillway-sdxl-'));
  sdxl = join(folder, 'sdxl');
  await writeTinyPipeline(sdxl, { sdxl: true, scheduler: { timestep_spacing: 'leading' } });
  runner = await PipelineRunner.open(sdxl, cpu);
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
const png = (rgb: Uint8Array | undefined) =>
  Buffer.from(encodeRgbPng(rgb ?? new Uint8Array(), 64, 64, 6)).toString('base64');

/** One encoder's named output for one prompt, run by hand: [tokens x width]. */
async function encoderOutput(file: string, tokenizerFolder: string, prompt: string, output: string) {
  const tokenizer = await loadClipTokenizer(tokenizerFolder);
  const session = await ort.InferenceSession.create(file, cpu);
  try {
    const ids = BigInt64Array.from(tokenizer.encode(prompt), (id) => BigInt(id));
    const result = await session.run({ input_ids: new ort.Tensor('int64', ids, [1, tokenizer.maxLength]) });
    return Float32Array.from(result[output]?.data as Float32Array);
  } finally {
    await session.release();
  }
}

describe('SDXL pipeline folders (tiny, CPU)', () => {
  it('sdxl: conditions on both encoders’ penultimate states side by side, and the second’s projected pool', async () => {
    const prompt = 'a red dog';
    const [sample] = await runner.start([{ ...base, prompt }]);
    // diffusers' encode_prompt: hidden_states[-2] of each encoder (3 layers: index 2), joined per token.
    const first = await encoderOutput(
      join(sdxl, 'text_encoder/model.onnx'),
      join(sdxl, 'tokenizer'),
      prompt,
      'hidden_states.2',
    );
    const second = await encoderOutput(
      join(sdxl, 'text_encoder_2/model.onnx'),
      join(sdxl, 'tokenizer_2'),
      prompt,
      'hidden_states.2',
    );
    const width1 = first.length / 77;
    const width2 = second.length / 77;
    expect(width1 + width2).toBe(80);
    const expected = new Float32Array(77 * (width1 + width2));
    for (let token = 0; token < 77; token++) {
      expected.set(first.subarray(token * width1, (token + 1) * width1), token * 80);
      expected.set(second.subarray(token * width2, (token + 1) * width2), token * 80 + width1);
    }
    expect(Array.from(sample?.prompt.states ?? [])).toEqual(Array.from(expected));
    const pooled = await encoderOutput(
      join(sdxl, 'text_encoder_2/model.onnx'),
      join(sdxl, 'tokenizer_2'),
      prompt,
      'text_embeds',
    );
    expect(pooled).toHaveLength(TINY_SDXL.projection);
    expect(Array.from(sample?.prompt.pooled ?? [])).toEqual(Array.from(pooled));
  });

  it('sdxl: the second tokenizer pads with its own pad token', async () => {
    const first = await loadClipTokenizer(join(sdxl, 'tokenizer'));
    const second = await loadClipTokenizer(join(sdxl, 'tokenizer_2'));
    const [a, b] = [first.encode('a cat'), second.encode('a cat')];
    expect(a.at(-1)).not.toBe(b.at(-1));
    expect(Array.from(a.subarray(0, 4))).toEqual(Array.from(b.subarray(0, 4)));
  });

  it('sdxl: an empty negative prompt guides with zeros (force_zeros_for_empty_prompt); a given one is encoded', async () => {
    const guided = { ...base, guidanceScale: 5 };
    const [empty, given] = await runner.start([guided, { ...guided, negativePrompt: 'blurry' }]);
    expect(empty?.negative?.states.every((value) => value === 0)).toBe(true);
    expect(empty?.negative?.pooled?.every((value) => value === 0)).toBe(true);
    expect(given?.negative?.states.some((value) => value !== 0)).toBe(true);
    const optedOut = join(folder, 'no-zeros');
    await cp(sdxl, optedOut, { recursive: true });
    await writeFile(
      join(optedOut, 'model_index.json'),
      JSON.stringify({ _class_name: 'StableDiffusionXLPipeline', force_zeros_for_empty_prompt: false }),
    );
    const encodesEmpty = await PipelineRunner.open(optedOut, cpu);
    try {
      const [sample] = await encodesEmpty.start([guided]);
      expect(sample?.negative?.states.some((value) => value !== 0)).toBe(true);
    } finally {
      await encodesEmpty.release();
    }
  });

  it('sdxl: draws the same image alone or batched; prompt, size and guidance change it', async () => {
    const others: PipelineRequest[] = [
      { ...base, prompt: 'a dog', seed: 8 },
      { ...base, guidanceScale: 5, negativePrompt: 'blurry', steps: 6 },
      { ...base, guidanceScale: 5 },
    ];
    const alone = [];
    for (const request of [base, ...others]) alone.push(png((await runner.generate([request]))[0]));
    const together = (await runner.generate([base, ...others])).map(png);
    expect(together).toEqual(alone);
    expect(new Set(alone).size).toBe(alone.length);
    const [wide] = await runner.generate([{ ...base, width: 128 }]);
    expect(wide).toHaveLength(128 * 64 * 3);
  });

  it('sdxl: a float16 export loads and draws', async () => {
    await writeTinyPipeline(join(folder, 'fp16'), { sdxl: true, precision: 'float16' });
    const half = await PipelineRunner.open(join(folder, 'fp16'), cpu);
    try {
      const [rgb] = await half.generate([{ ...base, guidanceScale: 5 }]);
      expect(new Set(rgb).size).toBeGreaterThan(16);
    } finally {
      await half.release();
    }
  });

  it('sdxl: folders whose parts do not fit say which file and what is missing', async () => {
    const noSecond = join(folder, 'no-second');
    await cp(sdxl, noSecond, { recursive: true });
    await rm(join(noSecond, 'text_encoder_2'), { recursive: true });
    await expect(PipelineRunner.open(noSecond, cpu)).rejects.toThrow(/an SDXL UNet.*no text_encoder_2/);

    const sdUnet = join(folder, 'sd-unet');
    await cp(sdxl, sdUnet, { recursive: true });
    await writeFile(
      join(sdUnet, 'unet/model.onnx'),
      buildTinyUnet('float', 'float32', { contextSize: 80, pooledSize: null }),
    );
    await expect(PipelineRunner.open(sdUnet, cpu)).rejects.toThrow(
      /a second text encoder, but .* takes no text_embeds/,
    );

    const noTokenizer = join(folder, 'no-tokenizer');
    await cp(sdxl, noTokenizer, { recursive: true });
    await rm(join(noTokenizer, 'tokenizer_2'), { recursive: true });
    await expect(PipelineRunner.open(noTokenizer, cpu)).rejects.toThrow(/tokenizer_2: missing/);

    const narrow = join(folder, 'narrow');
    await cp(sdxl, narrow, { recursive: true });
    const encoder = buildTinyLayeredEncoder({
      vocabularySize: 700,
      hidden: 16,
      seed: 1,
      projection: TINY_SDXL.projection,
      precision: 'float32',
    });
    await writeFile(join(narrow, 'text_encoder_2/model.onnx'), encoder);
    await expect(PipelineRunner.open(narrow, cpu)).rejects.toThrow(
      /encoder_hidden_states is 80 wide; the text encoders give 48/,
    );
  });
});
