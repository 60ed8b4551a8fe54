import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { imageSizeSchema } from '../../shared/index.ts';

/**
 * The tensor contract gpu-node drives. Any pair of ONNX models that honours it can be served:
 *
 * - denoiser: `latent` float32 [B, C, H/s, W/s], `timestep` float32 [B, 1] (1 → 0 over the
 *   schedule), `conditioning` float32 [B, E] → `next_latent` float32 [B, C, H/s, W/s]
 * - decoder: `latent` float32 [B, C, H/s, W/s] → `image` uint8 [B, H, W, 3] (RGB, NHWC)
 *
 * Tensor names are configurable; shapes are not.
 */
export const modelManifestSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'model name must be 1-64 of [A-Za-z0-9_.-]'),
    denoiser: z.object({
      path: z.string().min(1),
      latent_input: z.string().default('latent'),
      timestep_input: z.string().default('timestep'),
      conditioning_input: z.string().default('conditioning'),
      output: z.string().default('next_latent'),
    }),
    decoder: z.object({
      path: z.string().min(1),
      latent_input: z.string().default('latent'),
      output: z.string().default('image'),
    }),
    latent_channels: z.number().int().min(1).max(64),
    latent_scale: z.number().int().min(1).max(64),
    conditioning_dim: z.number().int().min(1).max(4096),
    sizes: z.array(imageSizeSchema).min(1),
    default_size: imageSizeSchema,
    default_steps: z.number().int().min(1).max(200),
    max_steps: z.number().int().min(1).max(200),
  })
  .refine((manifest) => manifest.sizes.includes(manifest.default_size), {
    message: 'default_size must be one of sizes',
    path: ['default_size'],
  })
  .refine((manifest) => manifest.default_steps <= manifest.max_steps, {
    message: 'default_steps must not exceed max_steps',
    path: ['default_steps'],
  })
  .refine(
    (manifest) =>
      manifest.sizes.every((size) => parseSize(size).every((side) => side % manifest.latent_scale === 0)),
    { message: 'every size must be a multiple of latent_scale', path: ['sizes'] },
  );

/** A validated model manifest with absolute model paths. */
export type ModelManifest = z.infer<typeof modelManifestSchema>;

/** What the HTTP layer checks a request against: a served model's sizes, steps and guidance. */
export interface ModelOffer {
  readonly name: string;
  readonly sizes: readonly string[];
  readonly default_size: string;
  readonly default_steps: number;
  readonly max_steps: number;
  /** The guidance scale when a request names none; absent for models that do not guide. */
  readonly default_guidance_scale?: number;
}

/** Splits `"WxH"` into `[width, height]`. */
export function parseSize(size: string): [number, number] {
  const [width, height] = size.split('x').map(Number);
  return [width ?? 0, height ?? 0];
}

/**
 * Reads and validates a manifest file; model paths are resolved against the file's folder.
 * Throws an Error whose message names every invalid field.
 */
export async function loadModelManifest(manifestPath: string): Promise<ModelManifest> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read model manifest ${manifestPath}: ${(error as Error).message}`);
  }
  const parsed = modelManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new Error(`invalid model manifest ${manifestPath}: ${problems.join('; ')}`);
  }
  const folder = dirname(resolve(manifestPath));
  return {
    ...parsed.data,
    denoiser: { ...parsed.data.denoiser, path: resolve(folder, parsed.data.denoiser.path) },
    decoder: { ...parsed.data.decoder, path: resolve(folder, parsed.data.decoder.path) },
  };
}
