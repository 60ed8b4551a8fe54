import type { Context } from 'hono';
import { ApiError, errorEnvelope } from '../../shared/index.ts';
import { isKservePath, kserveErrorResponse } from './kserve-error.ts';

export { ApiError };

/**
 * Writes an error with the request's id: on KServe routes in the protocol's `{ "error": "…" }`
 * (whichever layer raised it: auth, body limit, routing), elsewhere in the shared envelope.
 */
export function errorResponse(context: Context, error: ApiError): Response {
  if (isKservePath(context.req.path)) {
    return kserveErrorResponse(context, error.status, error.message, error.headers);
  }
  const requestId = (context.get('requestId') as string | undefined) ?? 'unknown';
  for (const [name, value] of Object.entries(error.headers)) context.header(name, value);
  return context.json(errorEnvelope(error.code, error.message, requestId, error.param), error.status);
}
