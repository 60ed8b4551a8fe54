import type { Context } from 'hono';
import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/**
 * Reads and validates a JSON body. Size is capped by the body-limit middleware before this
 * runs; here, wrong media type ⇒ 415, unparsable JSON ⇒ 400 `invalid_json`, schema failure ⇒
 * 400 `invalid_request` naming the first offending field in `param`.
 */
export async function readJsonBody<Schema extends z.ZodType>(
  context: Context,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const contentType = context.req.header('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType)) {
    throw new ApiError('unsupported_media_type', 'send the body as application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(await context.req.text());
  } catch {
    throw new ApiError('invalid_json', 'the request body is not valid JSON');
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const param = issue && issue.path.length > 0 ? issue.path.join('.') : null;
    throw new ApiError(
      'invalid_request',
      issue ? `${param ?? 'body'}: ${issue.message}` : 'invalid request',
      { param },
    );
  }
  return parsed.data;
}
