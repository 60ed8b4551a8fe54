import { z } from 'zod';

/** One generated image, OpenAI-shaped, plus the seed that reproduces it. */
export const generatedImageSchema = z.object({
  b64_json: z.string().optional(),
  url: z.string().url().optional(),
  revised_prompt: z.string().optional(),
  seed: z.number().int().optional(),
});

/** Where and how a generation ran; extra to OpenAI's shape, ignored by its SDKs. */
export const generationDetailsSchema = z.object({
  job_id: z.string(),
  pool_id: z.string(),
  model: z.string(),
  size: z.string(),
  steps: z.number().int(),
  execution_provider: z.string(),
  queue_ms: z.number(),
  compute_ms: z.number(),
  warnings: z.array(z.string()),
});

/** The OpenAI Images response. */
export const generationResponseSchema = z.object({
  created: z.number().int(),
  data: z.array(generatedImageSchema),
  spillway: generationDetailsSchema.optional(),
});

/**
 * What the edge answers on `POST /v1/images/generations`: OpenAI's Images response exactly. The
 * pool's `spillway` details become headers there (`x-spillway-pool`, `x-spillway-warnings`,
 * `server-timing`).
 */
export const edgeGenerationResponseSchema = generationResponseSchema.omit({ spillway: true });

/** A generation response, as a pool answers it. */
export type GenerationResponse = z.infer<typeof generationResponseSchema>;
/** A generation response, as the edge answers it. */
export type EdgeGenerationResponse = z.infer<typeof edgeGenerationResponseSchema>;
/** Details of where a generation ran. */
export type GenerationDetails = z.infer<typeof generationDetailsSchema>;
