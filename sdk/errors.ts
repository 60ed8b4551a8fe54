import type { ErrorType } from './types.ts';

/** Codes the SDK itself raises when no server envelope exists. */
export type ClientErrorCode =
  | 'connection_error'
  | 'timeout'
  | 'invalid_response'
  | 'invalid_webhook'
  /** The app's `tokenProvider` threw: no request was sent. */
  | 'token_unavailable';

/** What a {@link SpillwayError} is built from. */
export interface SpillwayErrorInit {
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  code: string;
  type: ErrorType | 'client_error';
  message: string;
  param?: string | null;
  requestId?: string | null;
  /** Seconds the server asked the client to wait (`Retry-After`), if it said. */
  retryAfter?: number | null;
  cause?: unknown;
}

/**
 * Every failure the SDK reports, other than an abort (which rethrows the caller's `AbortError`).
 * Server errors carry the wire envelope's fields; transport failures have `status` 0.
 * @example
 * try {
 *   await client.generate({ prompt: 'a lighthouse' });
 * } catch (error) {
 *   if (error instanceof SpillwayError && error.code === 'rate_limited') console.log(`retry in ${error.retryAfter} s`);
 * }
 */
export class SpillwayError extends Error {
  override readonly name = 'SpillwayError';
  readonly status: number;
  readonly code: string;
  readonly type: ErrorType | 'client_error';
  readonly param: string | null;
  readonly requestId: string | null;
  readonly retryAfter: number | null;

  constructor(init: SpillwayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.type = init.type;
    this.param = init.param ?? null;
    this.requestId = init.requestId ?? null;
    this.retryAfter = init.retryAfter ?? null;
  }
}

/** A transport-level failure (no usable HTTP response). */
export function clientError(code: ClientErrorCode, message: string, cause?: unknown): SpillwayError {
  return new SpillwayError({ status: 0, code, type: 'client_error', message, cause });
}
