import type { GenerationRequest } from '../../shared/index.ts';
import { commonWarnings, imageSize } from '../provider-kit/index.ts';

/** The input object of a Replicate prediction, and what could not go into it. */
export interface ReplicateInput {
  readonly input: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * Maps a Spillway request onto the input names Replicate's text-to-image models share
 * (stability-ai/sdxl, black-forest-labs/flux-*: see each model's API schema on replicate.com):
 *
 * | request  | input                       |
 * |----------|-----------------------------|
 * | prompt   | `prompt`                    |
 * | n        | `num_outputs`               |
 * | size     | `width`, `height`           |
 * | steps    | `num_inference_steps`       |
 * | seed     | `seed`                      |
 * | negative_prompt | `negative_prompt`    |
 * | guidance_scale  | `guidance_scale`     |
 * | (always) | `output_format: 'png'`      |
 *
 * A model whose schema lacks one of these refuses it (422), which reaches the client as
 * `invalid_request`. `quality`, `style` and a non-normal `priority` become warnings, as does a
 * seed with n > 1: Replicate seeds the batch once, so image i is not `seed + i`.
 */
export function replicateInput(request: GenerationRequest): ReplicateInput {
  const warnings = commonWarnings(request, 'replicate');
  const size = imageSize(request.size);
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    num_outputs: request.n,
    output_format: 'png',
    ...(size ? { width: size.width, height: size.height } : {}),
    ...(request.steps === undefined ? {} : { num_inference_steps: request.steps }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.negative_prompt === undefined ? {} : { negative_prompt: request.negative_prompt }),
    ...(request.guidance_scale === undefined ? {} : { guidance_scale: request.guidance_scale }),
  };
  if (request.seed !== undefined && request.n > 1) {
    warnings.push('seed applies to the whole batch on replicate: image i is not seed + i');
  }
  return { input, warnings };
}
