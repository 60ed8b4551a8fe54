import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** Whether a path is on the KServe v2 surface (`/v2…`), whose errors use the protocol's shape. */
export function isKservePath(path: string): boolean {
  return path === '/v2' || path.startsWith('/v2/');
}

/**
 * Writes an error in the Open Inference Protocol's shape, `{ "error": "…" }`, with the request's
 * id beside it (the protocol's schemas allow extra fields; its clients read `error`).
 */
export function kserveErrorResponse(
  context: Context,
  status: ContentfulStatusCode,
  message: string,
  headers: Readonly<Record<string, string>> = {},
): Response {
  const requestId = (context.get('requestId') as string | undefined) ?? 'unknown';
  for (const [name, value] of Object.entries(headers)) context.header(name, value);
  return context.json({ error: message, request_id: requestId }, status);
}
