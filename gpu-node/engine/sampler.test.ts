import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyModel } from '../model/tiny-model.ts';
import type { SampleSpec } from './engine-protocol.ts';
import { type RunningSample, Sampler } from './sampler.ts';

function spec(overrides: Partial<SampleSpec> = {}): SampleSpec {
  return {
    sampleId: 'sample-a',
    model: 'spillway-tiny',
    prompt: 'a lighthouse at dusk',
    seed: 1234,
    steps: 4,
    width: 64,
    height: 64,
    streamProgress: false,
    ...overrides,
  };
}

const unfinished = (sample: RunningSample) => sample.step < sample.spec.steps;

describe('Sampler on ONNX Runtime (cpu, tiny model)', () => {
  let folder = '';
  const samplers: Sampler[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'spillway-sampler-'));
    const manifest = await writeTinyModel(folder);
    for (const intraOpThreads of [1, 2]) {
      samplers.push(await Sampler.create(manifest, { provider: 'cpu', deviceId: 0, intraOpThreads }));
    }
  });
  afterAll(async () => {
    await Promise.all(samplers.map((sampler) => sampler.release()));
    await rm(folder, { recursive: true, force: true });
  });

  function sampler(index = 0): Sampler {
    const chosen = samplers[index];
    if (!chosen) throw new Error('sampler not created');
    return chosen;
  }

  /** Denoises one sample on its own and decodes it. */
  async function alone(sampleSpec: SampleSpec, using = sampler()): Promise<Uint8Array> {
    const sample = using.start(sampleSpec, 0);
    while (unfinished(sample)) await using.step([sample]);
    const [pixels] = await using.decode([sample]);
    if (!pixels) throw new Error('no pixels decoded');
    return pixels;
  }

  it('sampler: the same prompt, seed and steps give byte-identical pixels', async () => {
    const first = await alone(spec());
    const second = await alone(spec({ sampleId: 'another-id' }));
    expect(first).toHaveLength(64 * 64 * 3);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
  });

  it('sampler: the image is not flat', async () => {
    const pixels = await alone(spec());
    expect(new Set(pixels).size).toBeGreaterThan(16);
  });

  it('sampler: a different seed gives different pixels', async () => {
    const first = await alone(spec({ seed: 1234 }));
    const other = await alone(spec({ seed: 1235 }));
    expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
  });

  it('sampler: a different prompt gives different pixels', async () => {
    const first = await alone(spec());
    const other = await alone(spec({ prompt: 'a submarine in a teacup' }));
    expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
  });

  it('sampler: start seeds the latent from the seed and conditions on the prompt, at step 0', () => {
    const first = sampler().start(spec(), 10);
    const again = sampler().start(spec(), 20);
    const otherSeed = sampler().start(spec({ seed: 99 }), 10);
    expect(first.step).toBe(0);
    expect(first.startedAt).toBe(10);
    expect(first.latent).toHaveLength(4 * 16 * 16);
    expect(again.latent).toEqual(first.latent);
    expect(again.conditioning).toEqual(first.conditioning);
    expect(otherSeed.latent).not.toEqual(first.latent);
  });

  it.each([1, 2])(
    'sampler: batching two samples changes neither one (intra-op threads: %i)',
    async (threads) => {
      const using = sampler(threads - 1);
      const specA = spec({ sampleId: 'a', prompt: 'a lighthouse at dusk', seed: 1234, steps: 3 });
      const specB = spec({ sampleId: 'b', prompt: 'a field of sunflowers', seed: 987_654_321, steps: 6 });
      const expectedA = await alone(specA, using);
      const expectedB = await alone(specB, using);

      const a = using.start(specA, 0);
      const b = using.start(specB, 0);
      while (unfinished(a) && unfinished(b)) await using.step([a, b]);
      expect(a.step).toBe(3);
      expect(b.step).toBe(3);
      while (unfinished(b)) await using.step([b]);
      expect(b.step).toBe(6);

      const [pixelsA, pixelsB] = await using.decode([a, b]);
      expect(Buffer.from(pixelsA ?? []).equals(Buffer.from(expectedA))).toBe(true);
      expect(Buffer.from(pixelsB ?? []).equals(Buffer.from(expectedB))).toBe(true);
    },
  );

  it('sampler: stepping an empty batch and decoding nothing are no-ops', async () => {
    await expect(sampler().step([])).resolves.toBeUndefined();
    await expect(sampler().decode([])).resolves.toEqual([]);
  });
});
