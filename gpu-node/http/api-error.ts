import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { type ErrorCode, errorCatalog, errorEnvelope } from '../../shared/index.ts';

/** A client-facing error: thrown inside handlers, turned into the shared envelope by `onError`. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly param: string | null;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { param?: string | null; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.code = code;
    this.param = options.param ?? null;
    this.headers = options.headers ?? {};
  }

  /** HTTP status from the shared catalogue. */
  get status(): ContentfulStatusCode {
    return errorCatalog[this.code].status as ContentfulStatusCode;
  }
}

/** Writes an error in the shared envelope with the request's id. */
export function errorResponse(context: Context, error: ApiError): Response {
  const requestId = (context.get('requestId') as string | undefined) ?? 'unknown';
  for (const [name, value] of Object.entries(error.headers)) context.header(name, value);
  return context.json(errorEnvelope(error.code, error.message, requestId, error.param), error.status);
}
