/**
 * Paths browser and mobile-web apps call cross-origin. They authenticate with bearer tokens, not
 * cookies, so any origin may call them; the operator API and pool heartbeats stay same-origin.
 */
export const publicCorsPaths = [
  '/v1/images/*',
  '/v1/models',
  '/v1/jobs',
  '/v1/jobs/*',
  '/v1/results/*',
  '/openapi.json',
] as const;

/** hono/cors options for {@link publicCorsPaths}: the request headers the SDK sends, the response headers it reads. */
export const publicCorsOptions = {
  origin: '*',
  allowMethods: ['GET', 'POST', 'DELETE'],
  allowHeaders: [
    'authorization',
    'content-type',
    'idempotency-key',
    'prefer',
    'last-event-id',
    'x-request-id',
    'traceparent',
    'tracestate',
  ],
  exposeHeaders: [
    'retry-after',
    'traceparent',
    'x-request-id',
    'x-spillway-pool',
    'x-spillway-provider',
    'x-spillway-warnings',
    'location',
    'idempotent-replayed',
    'preference-applied',
    'ratelimit-policy',
    'ratelimit',
    'server-timing',
  ],
  maxAge: 600,
};
