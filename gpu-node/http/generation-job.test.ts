import { describe, expect, it } from 'vitest';
import { poolGenerationRequestSchema } from '../../shared/index.ts';
import type { ModelOffer } from '../model/model-manifest.ts';
import { toJobSpec } from './generation-job.ts';

const offer = (name: string, guidance?: number): ModelOffer => ({
  name,
  sizes: ['64x64'],
  default_size: '64x64',
  default_steps: 4,
  max_steps: 10,
  ...(guidance === undefined ? {} : { default_guidance_scale: guidance }),
});
const pool = (model: ModelOffer) => ({
  manifests: new Map([[model.name, model]]),
  defaultModel: model.name,
  now: () => 0,
  randomSeed: () => 1,
});
const submission = { owner: null, streamProgress: false };
const guided = poolGenerationRequestSchema.parse({
  prompt: 'a cat',
  negative_prompt: 'blurry',
  guidance_scale: 5,
});

describe('job specs', () => {
  it('guidance: a pipeline takes negative_prompt and guidance_scale, and its default scale when none is named', () => {
    const { spec, warnings } = toJobSpec(pool(offer('sd', 7.5)), guided, submission);
    expect(spec).toMatchObject({ negativePrompt: 'blurry', guidanceScale: 5 });
    expect(warnings).toEqual([]);
    const plain = toJobSpec(
      pool(offer('sd', 7.5)),
      poolGenerationRequestSchema.parse({ prompt: 'a cat' }),
      submission,
    );
    expect(plain.spec.guidanceScale).toBe(7.5);
    expect(plain.spec).not.toHaveProperty('negativePrompt');
  });

  it('guidance: a model that does not guide ignores both, with a warning each', () => {
    const { spec, warnings } = toJobSpec(pool(offer('spillway-tiny')), guided, submission);
    expect(spec).not.toHaveProperty('negativePrompt');
    expect(spec).not.toHaveProperty('guidanceScale');
    expect(warnings).toEqual([
      'negative_prompt is not supported by spillway-tiny and was ignored',
      'guidance_scale is not supported by spillway-tiny and was ignored',
    ]);
  });
});
