import type { z } from 'zod';
import { type ErrorCode, errorCatalog } from '../../shared/index.ts';
import { type AccessPolicy, accessPolicies } from '../middleware/access.ts';
import { schemas } from './named-schemas.ts';

/** The catalogued errors a JSON body can fail with before the route's own checks. */
export const bodyErrors = [
  'invalid_json',
  'invalid_request',
  'payload_too_large',
  'unsupported_media_type',
] as const satisfies readonly ErrorCode[];

const authErrors = [
  'missing_credentials',
  'invalid_credentials',
  'insufficient_scope',
] as const satisfies readonly ErrorCode[];

const responseHeaders = {
  'x-request-id': {
    description: 'The request id; quote it when reporting a problem.',
    schema: { type: 'string' },
  },
  'retry-after': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
  'x-spillway-pool': { description: 'The pool that served the request.', schema: { type: 'string' } },
  'x-spillway-provider': { description: 'The provider of that pool.', schema: { type: 'string' } },
  'x-spillway-warnings': {
    description: 'Request options the serving provider could not honour, `; `-separated; absent when none.',
    schema: { type: 'string' },
  },
  'ratelimit-policy': {
    description:
      'The tenant’s limits (IETF draft-ietf-httpapi-ratelimit-headers-10): `"requests";q=…;w=60, "images";q=…;qu="images";w=60, "concurrency";q=…;qu="concurrent-requests"`.',
    schema: { type: 'string' },
  },
  ratelimit: {
    description:
      'What is left of each limit: `r` remaining, `t` seconds until the quota is whole again (none for concurrency).',
    schema: { type: 'string' },
  },
  'server-timing': {
    description:
      'Where the request’s time went (W3C Server Timing, ms): `pool-queue` and `pool-compute` as the pool measured them, `outside-pool` (edge, network, transfer) and `total`; `total` alone when the pool reports no figures.',
    schema: { type: 'string' },
  },
  location: { description: 'The job’s status URL.', schema: { type: 'string' } },
  'idempotent-replayed': {
    description: '`true` when an Idempotency-Key returned an existing job.',
    schema: { type: 'string' },
  },
  'preference-applied': {
    description: 'The `Prefer: wait` honoured (RFC 7240).',
    schema: { type: 'string' },
  },
  etag: {
    description:
      'The version of the state in the body; send it back as `If-None-Match` to wait for the next.',
    schema: { type: 'string' },
  },
} as const;

/** A response header the document describes. */
export type ResponseHeader = keyof typeof responseHeaders;

function headersOf(names: readonly ResponseHeader[]) {
  return Object.fromEntries(['x-request-id' as const, ...names].map((name) => [name, responseHeaders[name]]));
}

/** A route's request body: one JSON document, validated by `schema`. */
export function jsonBody<Schema extends z.ZodType<object>>(schema: Schema) {
  return { required: true, content: { 'application/json': { schema } } } as const;
}

/** As {@link jsonBody}, for a route that also takes no body at all (its handler says `bodyOptional`). */
export function optionalJsonBody<Schema extends z.ZodType<object>>(schema: Schema) {
  return { required: false, content: { 'application/json': { schema } } } as const;
}

/** A success response with a JSON body; handlers' `context.json(…)` is typed against `schema`. */
export function jsonResponse<Schema extends z.ZodType>(
  schema: Schema,
  description: string,
  headers: readonly ResponseHeader[] = [],
) {
  return { description, headers: headersOf(headers), content: { 'application/json': { schema } } };
}

/** A success response in another media type (SSE, PNG, HTML), described by a JSON Schema. */
export function mediaResponse<MediaType extends string>(
  mediaType: MediaType,
  schema: Record<string, unknown>,
  description: string,
) {
  const content = { [mediaType]: { schema } } as Record<MediaType, { schema: typeof schema }>;
  return { description, headers: headersOf([]), content };
}

/** A success response without a body (204). */
export function emptyResponse(description: string) {
  return { description, headers: headersOf([]) };
}

/** An error response: the shared envelope, with the catalogued codes it can carry. */
type ErrorResponse = ReturnType<typeof jsonResponse<typeof schemas.errorEnvelope>>;

/**
 * The error responses of a route, one per status of the shared error catalog, each listing the codes
 * it can carry. An authenticated route can also fail authentication; any route that can fail can
 * also answer 500 `internal_error`.
 */
export function errorResponses(
  policy: AccessPolicy,
  codes: readonly ErrorCode[],
): Record<number, ErrorResponse> {
  const authenticated = accessPolicies[policy].scheme !== null;
  const all: readonly ErrorCode[] = authenticated ? [...codes, ...authErrors] : codes;
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of all.length > 0 ? [...all, 'internal_error' as const] : []) {
    const { status } = errorCatalog[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [
      status,
      jsonResponse(
        schemas.errorEnvelope,
        `Error envelope; \`error.code\` is one of: ${statusCodes.map((code) => `\`${code}\``).join(', ')}.`,
        status === 429
          ? ['retry-after', 'ratelimit-policy', 'ratelimit']
          : status === 503
            ? ['retry-after']
            : [],
      ),
    ]),
  );
}
