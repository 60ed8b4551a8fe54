import type { GenerationRequest } from '../../shared/index.ts';
import { commonWarnings, imageSize } from '../provider-kit/index.ts';

/** The input of a fal queue request, and what could not go into it. */
export interface FalInput {
  readonly input: Record<string, unknown>;
  readonly warnings: string[];
}

/**
 * Maps a Spillway request onto the input names fal's text-to-image apps share (fal-ai/fast-sdxl,
 * fal-ai/flux/*: see each model's API page on fal.ai):
 *
 * | request  | input                                   |
 * |----------|-----------------------------------------|
 * | prompt   | `prompt`                                |
 * | n        | `num_images`                            |
 * | size     | `image_size: {width, height}`           |
 * | steps    | `num_inference_steps`                   |
 * | seed     | `seed`                                  |
 * | negative_prompt | `negative_prompt`                |
 * | guidance_scale  | `guidance_scale`                 |
 * | (always) | `output_format: 'png'`, `format: 'png'` |
 *
 * fal's apps name the file format `output_format` (FLUX) or `format` (fast-sdxl) and ignore
 * fields they lack, so both are sent; a JPEG that comes back anyway fails as `output_not_png`.
 * `quality`, `style`, a non-normal `priority`, and a seed with n > 1 (fal seeds the batch once)
 * become warnings.
 */
export function falInput(request: GenerationRequest): FalInput {
  const warnings = commonWarnings(request, 'fal');
  const size = imageSize(request.size);
  const input: Record<string, unknown> = {
    prompt: request.prompt,
    num_images: request.n,
    output_format: 'png',
    format: 'png',
    ...(size ? { image_size: size } : {}),
    ...(request.steps === undefined ? {} : { num_inference_steps: request.steps }),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.negative_prompt === undefined ? {} : { negative_prompt: request.negative_prompt }),
    ...(request.guidance_scale === undefined ? {} : { guidance_scale: request.guidance_scale }),
  };
  if (request.seed !== undefined && request.n > 1) {
    warnings.push('seed applies to the whole batch on fal: image i is not seed + i');
  }
  return { input, warnings };
}

const PARAMS: Readonly<Record<string, string>> = {
  prompt: 'prompt',
  num_images: 'n',
  image_size: 'size',
  num_inference_steps: 'steps',
  negative_prompt: 'negative_prompt',
  guidance_scale: 'guidance_scale',
  seed: 'seed',
};

/** fal's input field (`loc: ['body', 'image_size', …]`) as the request field it came from. */
export function spillwayParam(location: unknown): string | null {
  if (!Array.isArray(location)) return null;
  const field = location[0] === 'body' ? location[1] : location[0];
  return typeof field === 'string' ? (PARAMS[field] ?? null) : null;
}
