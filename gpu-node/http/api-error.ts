import type { Context } from 'hono';
import { ApiError, errorEnvelope } from '../../shared/index.ts';

export { ApiError };

/** Writes an error in the shared envelope with the request's id. */
export function errorResponse(context: Context, error: ApiError): Response {
  const requestId = (context.get('requestId') as string | undefined) ?? 'unknown';
  for (const [name, value] of Object.entries(error.headers)) context.header(name, value);
  return context.json(errorEnvelope(error.code, error.message, requestId, error.param), error.status);
}
