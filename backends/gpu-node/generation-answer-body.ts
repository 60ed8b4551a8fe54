import {
  type GenerationDetails,
  type GenerationResponse,
  generationDetailsSchema,
} from '../../shared/index.ts';

type GeneratedImage = GenerationResponse['data'][number];

/**
 * A pool's 2xx body as a complete generation response for `images` images, or null.
 *
 * Checked by hand rather than with `generationResponseSchema`: this runs on every answer at the
 * edge, where zod has no JIT, and walking the whole answer there cost about a tenth of the
 * edge's CPU per request (bench/edge). Only the fields the edge forwards or reads are kept, so
 * nothing unchecked reaches a client; the small `spillway` details still go through zod.
 */
export function asGenerationResponse(body: unknown, images: number): GenerationResponse | null {
  if (!isRecord(body) || !Number.isSafeInteger(body.created) || !Array.isArray(body.data)) return null;
  if (body.data.length !== images) return null;
  const data: GeneratedImage[] = [];
  for (const item of body.data as unknown[]) {
    const image = asImage(item);
    if (!image) return null;
    data.push(image);
  }
  const created = Number(body.created);
  if (body.spillway === undefined) return { created, data };
  const details = asDetails(body.spillway);
  return details ? { created, data, spillway: details } : null;
}

function asImage(item: unknown): GeneratedImage | null {
  if (!isRecord(item) || typeof item.b64_json !== 'string' || item.b64_json.length === 0) return null;
  const image: GeneratedImage = { b64_json: item.b64_json };
  if (item.seed !== undefined) {
    if (!Number.isSafeInteger(item.seed)) return null;
    image.seed = Number(item.seed);
  }
  if (item.revised_prompt !== undefined) {
    if (typeof item.revised_prompt !== 'string') return null;
    image.revised_prompt = item.revised_prompt;
  }
  return image;
}

function asDetails(value: unknown): GenerationDetails | null {
  const parsed = generationDetailsSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
