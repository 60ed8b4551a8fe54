import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/**
 * Parses and validates a JSON request body: wrong media type ⇒ 415, unparsable JSON ⇒ 400
 * `invalid_json`, schema failure ⇒ 400 `invalid_request` naming the first offending field in
 * `param`. Size limits are the caller's (before the body is read).
 */
export function parseJsonBody<Schema extends z.ZodType>(
  contentType: string | undefined,
  text: string,
  schema: Schema,
): z.infer<Schema> {
  if (!/^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType ?? '')) {
    throw new ApiError('unsupported_media_type', 'send the body as application/json');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
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
