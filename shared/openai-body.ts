import type { z } from 'zod';

/** An OpenAI-shaped body, read the way OpenAI's own API and SDKs mean it. */
export interface OpenAiBodyReading {
  /** The body with `null` dropped from optional fields: a client's `None`/`null` means "not given". */
  readonly body: unknown;
  /** Top-level fields the schema does not know, in the order sent (stripped by validation). */
  readonly unknownFields: readonly string[];
}

/**
 * Reads an OpenAI-shaped JSON body before validation against `schema`. OpenAI's API documents its
 * optional parameters as nullable, and its Python SDK sends `null` for a parameter passed as
 * `None`: such a field is taken as left out (its default applies), never refused. A `null`
 * required field stays, so validation names it. Fields the schema does not know are listed, so the
 * route can say they were ignored instead of dropping them silently.
 */
export function readOpenAiBody(body: unknown, schema: z.ZodObject): OpenAiBodyReading {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { body, unknownFields: [] };
  const shape: Readonly<Record<string, z.ZodType | undefined>> = schema.shape;
  const kept: Record<string, unknown> = {};
  const unknownFields: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (field === undefined) unknownFields.push(key);
    if (value === null && field?.isOptional()) continue;
    kept[key] = value;
  }
  return { body: kept, unknownFields };
}
