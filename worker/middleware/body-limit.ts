import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../../shared/index.ts';

/**
 * Refuses a request body over `maxBytes` with 413 `payload_too_large` in the envelope, counting
 * bytes as they arrive (hono's body limit: the declared length, or the stream itself when the
 * length is not declared), so an oversized body is never buffered whole.
 */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ApiError('payload_too_large', `request bodies are limited to ${maxBytes} bytes`);
    },
  });
}
