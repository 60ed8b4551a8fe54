import { z } from 'zod';

/** OpenAI-compatible error types. */
export const errorTypes = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'rate_limit_error',
  'overloaded_error',
  'timeout_error',
  'upstream_error',
  'server_error',
] as const;

/** Every error Spillway puts on the wire, with its HTTP status and OpenAI type. */
export const errorCatalog = {
  invalid_json: { status: 400, type: 'invalid_request_error' },
  invalid_request: { status: 400, type: 'invalid_request_error' },
  unsupported_value: { status: 400, type: 'invalid_request_error' },
  missing_credentials: { status: 401, type: 'authentication_error' },
  invalid_credentials: { status: 401, type: 'authentication_error' },
  insufficient_scope: { status: 403, type: 'permission_error' },
  invalid_signature: { status: 403, type: 'permission_error' },
  url_expired: { status: 403, type: 'permission_error' },
  not_found: { status: 404, type: 'not_found_error' },
  model_not_found: { status: 404, type: 'not_found_error' },
  job_not_found: { status: 404, type: 'not_found_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  job_id_conflict: { status: 409, type: 'conflict_error' },
  resource_conflict: { status: 409, type: 'conflict_error' },
  payload_too_large: { status: 413, type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, type: 'invalid_request_error' },
  pool_unreachable: { status: 422, type: 'invalid_request_error' },
  idempotency_key_mismatch: { status: 422, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  job_canceled: { status: 409, type: 'conflict_error' },
  internal_error: { status: 500, type: 'server_error' },
  inference_failed: { status: 500, type: 'server_error' },
  upstream_failed: { status: 502, type: 'upstream_error' },
  queue_full: { status: 503, type: 'overloaded_error' },
  draining: { status: 503, type: 'overloaded_error' },
  not_ready: { status: 503, type: 'overloaded_error' },
  no_capacity: { status: 503, type: 'overloaded_error' },
  deadline_exceeded: { status: 504, type: 'timeout_error' },
} as const satisfies Record<string, { status: number; type: (typeof errorTypes)[number] }>;

/** A code from {@link errorCatalog}. */
export type ErrorCode = keyof typeof errorCatalog;

/** The one wire envelope for errors: `{ error: { type, code, message, param }, request_id }`. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    type: z.enum(errorTypes),
    code: z.string(),
    message: z.string(),
    param: z.string().nullable(),
  }),
  request_id: z.string(),
});

/** A parsed error envelope. */
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/**
 * Builds the wire envelope for a catalogued error.
 * @example errorEnvelope('queue_full', 'pool is at capacity', 'req_1')
 */
export function errorEnvelope(
  code: ErrorCode,
  message: string,
  requestId: string,
  param: string | null = null,
): ErrorEnvelope {
  return { error: { type: errorCatalog[code].type, code, message, param }, request_id: requestId };
}
