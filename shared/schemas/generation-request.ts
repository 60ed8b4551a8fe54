import { z } from 'zod';

/** Scheduling classes a request may ask for; the edge maps tenant tiers onto these. */
export const priorities = ['low', 'normal', 'high'] as const;

/** `WIDTHxHEIGHT`, as in OpenAI's `size` field. */
export const imageSizeSchema = z
  .string()
  .regex(/^[1-9]\d{1,4}x[1-9]\d{1,4}$/, 'size must look like "256x256"')
  .describe('Image size as WIDTHxHEIGHT; each pool lists the sizes its models support.');

/**
 * A request's `size`: `WIDTHxHEIGHT`, or `"auto"` (OpenAI's value for "the model's default"),
 * which the edge resolves to the model's default size as if `size` were left out.
 */
export const requestedSizeSchema = z
  .string()
  .regex(/^(auto|[1-9]\d{1,4}x[1-9]\d{1,4})$/, 'size must look like "256x256" (or be "auto")')
  .describe(
    'Image size as WIDTHxHEIGHT, or "auto" for the model default; each pool lists the sizes its models support.',
  );

/**
 * The generation request: OpenAI Images fields plus Spillway's extensions.
 * Unknown fields are stripped so newer OpenAI clients keep working (the route names them in a
 * warning); OpenAI fields that no pool can honour (quality, style, a transparent background, …)
 * are accepted and reported back as warnings. `null` in an optional field means "not given", as
 * in OpenAI's API (the route reads bodies with `readOpenAiBody`).
 */
export const generationRequestSchema = z.object({
  prompt: z
    .string()
    .min(1, 'prompt must not be empty')
    .regex(/\S/, 'prompt must contain more than whitespace')
    .max(4000),
  model: z.string().min(1).max(128).optional(),
  n: z.number().int().min(1).max(10).default(1),
  size: requestedSizeSchema.optional(),
  response_format: z.enum(['b64_json', 'url']).default('b64_json'),
  user: z.string().max(256).optional(),
  quality: z.string().max(32).optional(),
  style: z.string().max(32).optional(),
  output_format: z.literal('png').optional(),
  background: z
    .enum(['transparent', 'opaque', 'auto'])
    .optional()
    .describe('Images are opaque PNGs; "transparent" is accepted and answered with a warning.'),
  moderation: z
    .enum(['low', 'auto'])
    .optional()
    .describe('Accepted for OpenAI compatibility; the pools run no moderation step of their own.'),
  output_compression: z
    .number()
    .int()
    .min(0)
    .max(100)
    .optional()
    .describe('Accepted for OpenAI compatibility; PNG output is lossless, so it has no effect.'),
  stream: z
    .boolean()
    .optional()
    .describe(
      'Answer as Server-Sent Events (OpenAI image streaming): one `image_generation.completed` event per image, sent once all are done.',
    ),
  partial_images: z
    .number()
    .int()
    .min(0)
    .max(3)
    .optional()
    .describe('Accepted for OpenAI compatibility; no partial images are sent (a warning says so).'),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional()
    .describe('Seed of the first image; image i uses seed + i. Random when absent.'),
  steps: z
    .number()
    .int()
    .min(1)
    .max(200)
    .optional()
    .describe('Sampler steps; the model default when absent.'),
  negative_prompt: z
    .string()
    .max(4000)
    .optional()
    .describe(
      'What the image should not show (the unconditional half of guidance); pipelines that guide only.',
    ),
  guidance_scale: z
    .number()
    .min(0)
    .max(30)
    .optional()
    .describe(
      'Classifier-free guidance scale; at 1 or below the prompt alone steers. The model default when absent.',
    ),
  priority: z.enum(priorities).default('normal'),
  deadline_ms: z
    .number()
    .int()
    .min(1)
    .max(3_600_000)
    .optional()
    .describe('Time budget in milliseconds from when the server receives the request.'),
});

/** Parsed generation request (defaults applied). */
export type GenerationRequest = z.infer<typeof generationRequestSchema>;
/** Generation request as a client writes it (defaults optional). */
export type GenerationRequestInput = z.input<typeof generationRequestSchema>;
/** One of {@link priorities}. */
export type Priority = (typeof priorities)[number];

/** Job ids are opaque, URL-safe and short enough to log. */
export const jobIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'job_id must be 1-128 URL-safe characters');

/**
 * Fields of a generation request that are the edge's business only: how the answer is framed,
 * and OpenAI options every pool answers the same way (opaque, unmoderated, lossless PNGs).
 */
export const EDGE_ONLY_FIELDS = {
  stream: true,
  partial_images: true,
  background: true,
  moderation: true,
  output_compression: true,
} as const;

/** What the edge sends a pool: the generation request plus an idempotency `job_id`. */
export const poolGenerationRequestSchema = generationRequestSchema.omit(EDGE_ONLY_FIELDS).extend({
  // The edge resolves "auto"; a pool is always told the size (or nothing).
  size: imageSizeSchema.optional(),
  job_id: jobIdSchema.optional(),
});

/** Parsed pool generation request. */
export type PoolGenerationRequest = z.infer<typeof poolGenerationRequestSchema>;
