import { type ErrorCode, errorCatalog } from './schemas/error-envelope.ts';

/**
 * A client-facing error: thrown inside handlers, written as the shared envelope by each app's
 * `onError`. Only these reach the wire with their own message; anything else is a 500.
 */
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
  get status(): (typeof errorCatalog)[ErrorCode]['status'] {
    return errorCatalog[this.code].status;
  }
}
