import { describe, expect, it } from 'vitest';
import { falInput } from '../../backends/fal/fal-input.ts';
import { inferBody } from '../../backends/kserve/kserve-request.ts';
import { openAiImagesBody } from '../../backends/openai-compatible/openai-images-request.ts';
import { replicateInput } from '../../backends/replicate/replicate-input.ts';
import { generationRequestSchema } from '../../shared/index.ts';

const guided = generationRequestSchema.parse({
  prompt: 'a cat',
  negative_prompt: 'blurry',
  guidance_scale: 6,
});
const plain = generationRequestSchema.parse({ prompt: 'a cat' });
const call = (request: typeof guided) => ({
  poolUrl: 'http://pool',
  jobId: 'j',
  request,
  deadlineMs: 1_000,
  token: '',
});

describe('guidance options across providers', () => {
  it('guidance: replicate and fal get negative_prompt and guidance_scale under their own names; absent, nothing is sent', () => {
    for (const { input } of [replicateInput(guided), falInput(guided)]) {
      expect(input).toMatchObject({ negative_prompt: 'blurry', guidance_scale: 6 });
    }
    for (const { input } of [replicateInput(plain), falInput(plain)]) {
      expect(input).not.toHaveProperty('negative_prompt');
      expect(input).not.toHaveProperty('guidance_scale');
    }
  });

  it('guidance: an OpenAI Images provider has no such fields: they come back as warnings and are not sent', () => {
    const { body, warnings } = openAiImagesBody(call(guided));
    expect(body).not.toHaveProperty('negative_prompt');
    expect(body).not.toHaveProperty('guidance_scale');
    expect(warnings.filter((warning) => /negative_prompt|guidance_scale/.test(warning))).toHaveLength(2);
  });

  it('guidance: a KServe v2 server gets them as request parameters', () => {
    const { body } = inferBody(call(guided));
    expect(body.parameters).toMatchObject({ negative_prompt: 'blurry', guidance_scale: 6 });
  });
});
