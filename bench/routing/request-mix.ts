import { z } from 'zod';
import { imageSizeSchema } from '../../shared/schemas/generation-request.ts';
import { imageMegapixels } from '../../shared/work.ts';
import type { Random } from './rng.ts';

/** The reference request: a pool's `jobMs` is this alone on it. */
export const REFERENCE_SIZE = '512x512';
/** Sampler steps of the reference request. */
export const REFERENCE_STEPS = 30;
/** Megapixels of one reference image. */
export const REFERENCE_MEGAPIXELS = imageMegapixels(REFERENCE_SIZE);

function weighted<T extends z.ZodType>(value: T) {
  return z
    .array(z.strictObject({ value, weight: z.number().positive().default(1) }))
    .min(1)
    .superRefine((entries, context) => {
      // Draws and means divide by the total: weights of 1e308 sum to Infinity, every mean is then
      // NaN, and so is every arrival time (a run that never ends).
      const total = entries.reduce((sum, entry) => sum + entry.weight, 0);
      if (!Number.isFinite(total))
        context.addIssue({
          code: 'custom',
          message: 'weights must sum to a finite number (they are relative: scale them down)',
        });
    })
    .describe('A discrete distribution: values with relative weights (their sum finite).');
}

/** A request mix: independent distributions of images per request, steps and size. */
export const requestMixSchema = z.strictObject({
  n: weighted(z.number().int().min(1).max(10)).default([{ value: 1, weight: 1 }]),
  steps: weighted(z.number().int().min(1).max(200)).default([{ value: REFERENCE_STEPS, weight: 1 }]),
  sizes: weighted(imageSizeSchema).default([{ value: REFERENCE_SIZE, weight: 1 }]),
});

/** A validated request mix. */
export type RequestMix = z.infer<typeof requestMixSchema>;

/**
 * The built-in mix: mostly one default-size image, with heavy tails in every dimension (64x64 at
 * 4 steps up to ten 1024x1024 images at 50 steps: over four orders of magnitude in work).
 */
export const mixedRequests: RequestMix = {
  n: [
    { value: 1, weight: 70 },
    { value: 2, weight: 15 },
    { value: 4, weight: 10 },
    { value: 10, weight: 5 },
  ],
  steps: [
    { value: 4, weight: 10 },
    { value: 20, weight: 30 },
    { value: 30, weight: 40 },
    { value: 50, weight: 20 },
  ],
  sizes: [
    { value: '64x64', weight: 5 },
    { value: '256x256', weight: 15 },
    { value: '512x512', weight: 45 },
    { value: '768x768', weight: 20 },
    { value: '1024x1024', weight: 15 },
  ],
};

/** Every request the reference request (the pre-issue-13 simulator). */
export const referenceRequests: RequestMix = requestMixSchema.parse({});

/** The named request mixes a scenario's `requests` may give instead of a mix. */
export const requestPresets = ['mixed', 'reference'] as const;

/** A scenario's `requests`: a preset name or a mix. */
export const requestsSchema = z
  .union([z.enum(requestPresets), requestMixSchema], {
    // An object is checked as a mix (its own paths and messages); anything else gets this.
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `expected one of the presets ${requestPresets.map((name) => `"${name}"`).join(', ')} or a mix {n, steps, sizes}, got ${JSON.stringify(issue.input)}`
        : undefined,
  })
  .default('mixed')
  .describe('"mixed" (built-in heavy-tailed mix), "reference" (every job alike) or {n, steps, sizes}.');

/** Resolves a scenario's `requests` to a mix. */
export function requestMixOf(requests: z.infer<typeof requestsSchema>): RequestMix {
  if (requests === 'mixed') return mixedRequests;
  if (requests === 'reference') return referenceRequests;
  return requests;
}

/** One drawn request. */
export interface RequestDraw {
  readonly n: number;
  readonly steps: number;
  readonly size: string;
  readonly megapixels: number;
  /** Megapixel-steps (`requestWork`). */
  readonly work: number;
}

/** Draws one request from the mix (three draws from `random`, always, so streams stay aligned). */
export function drawRequest(mix: RequestMix, random: Random): RequestDraw {
  const n = pick(mix.n, random.next());
  const steps = pick(mix.steps, random.next());
  const size = pick(mix.sizes, random.next());
  const megapixels = imageMegapixels(size);
  return { n, steps, size, megapixels, work: n * steps * megapixels };
}

/** Mean work of a request, megapixel-steps. */
export function meanWork(mix: RequestMix): number {
  return mean(mix.n, (n) => n) * mean(mix.steps, (steps) => steps) * mean(mix.sizes, imageMegapixels);
}

/**
 * Megapixels of the image a batch slot holds on average, so a full batch of the mix has `slots`
 * times this. Images stay in proportion to their steps, but steps and size are drawn
 * independently, so the time-weighted mean is the plain mean.
 */
export function batchImageMegapixels(mix: RequestMix): number {
  return mean(mix.sizes, imageMegapixels);
}

function mean<T>(entries: readonly { value: T; weight: number }[], of: (value: T) => number): number {
  let total = 0;
  let sum = 0;
  for (const entry of entries) {
    total += entry.weight;
    sum += entry.weight * of(entry.value);
  }
  return total > 0 ? sum / total : 0;
}

function pick<T>(entries: readonly { value: T; weight: number }[], draw: number): T {
  let total = 0;
  for (const entry of entries) total += entry.weight;
  let target = draw * total;
  for (const entry of entries) {
    target -= entry.weight;
    if (target < 0) return entry.value;
  }
  const last = entries[entries.length - 1];
  if (!last) throw new Error('empty distribution');
  return last.value;
}
