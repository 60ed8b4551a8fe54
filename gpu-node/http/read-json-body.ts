import type { Context } from 'hono';
import type { z } from 'zod';
import { parseJsonBody } from '../../shared/index.ts';

/**
 * Reads and validates a JSON body (the body-limit middleware has already capped its size);
 * `prepare` rewrites the parsed JSON before validation.
 */
export async function readJsonBody<Schema extends z.ZodType>(
  context: Context,
  schema: Schema,
  prepare?: (body: unknown) => unknown,
): Promise<z.infer<Schema>> {
  return parseJsonBody(context.req.header('content-type'), await context.req.text(), schema, prepare);
}
