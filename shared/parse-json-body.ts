import type { z } from 'zod';
import { ApiError } from './api-error.ts';

/**
 * Parses and validates a JSON request body: wrong media type ⇒ 415, unparsable JSON ⇒ 400
 * `invalid_json`, schema failure ⇒ 400 `invalid_request` naming the first offending field in
 * `param`. `prepare`, when given, sees the parsed JSON before validation (and may replace it).
 * Size limits are the caller's (before the body is read).
 */
export function parseJsonBody<Schema extends z.ZodType>(
  contentType: string | undefined,
  text: string,
  schema: Schema,
  prepare?: (body: unknown) => unknown,
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
  const parsed = schema.safeParse(prepare ? prepare(body) : body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // An unknown field is named by its own key, not by the object it sits in.
    const path =
      issue?.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys.slice(0, 1)] : issue?.path;
    const param = path && path.length > 0 ? path.join('.') : null;
    throw new ApiError(
      'invalid_request',
      issue ? `${param ?? 'body'}: ${issue.message}` : 'invalid request',
      { param },
    );
  }
  return parsed.data;
}
