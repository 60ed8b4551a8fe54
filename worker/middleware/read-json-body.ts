import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';

/** Largest request body the edge reads; generation requests are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** Reads and validates a JSON body, refusing bodies over {@link MAX_BODY_BYTES} with 413. */
export async function readJsonBody<Schema extends z.ZodType>(
  context: Context<AppEnv>,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const declared = Number(context.req.header('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const text = await context.req.text();
  if (text.length > MAX_BODY_BYTES) throw tooLarge();
  return context.var.deps.parseJson(context.req.header('content-type'), text, schema);
}

function tooLarge(): ApiError {
  return new ApiError('payload_too_large', `request bodies are limited to ${MAX_BODY_BYTES} bytes`);
}
