/** Signed result URLs: answered with CORS headers whether or not the request has an `Origin`. */
export const resultsCorsPath = '/v1/results/*';

/**
 * Paths browser and mobile-web apps call cross-origin. They authenticate with bearer tokens, not
 * cookies, so any origin may call them; the operator API (which reads the dashboard's session
 * cookie), the dashboard and pool heartbeats stay same-origin.
 */
export const publicCorsPaths = [
  '/v1/images/*',
  '/v1/models',
  '/v1/models/*',
  '/v1/jobs',
  '/v1/jobs/*',
  resultsCorsPath,
  '/openapi.json',
] as const;

/**
 * hono/cors options for {@link publicCorsPaths}. No `allowHeaders`: hono/cors then echoes a
 * preflight's `Access-Control-Request-Headers`, so SDKs that add their own headers (the openai
 * SDK's `x-stainless-*`, `openai-organization`, `openai-project`) work. Safe because these routes
 * read no cookies; `*` is not used because it does not cover `Authorization`.
 */
export const publicCorsOptions = {
  origin: '*',
  allowMethods: ['GET', 'POST', 'DELETE'],
  exposeHeaders: [
    'retry-after',
    'traceparent',
    'x-request-id',
    'x-spillway-pool',
    'x-spillway-provider',
    'x-spillway-warnings',
    'location',
    'etag',
    'idempotent-replayed',
    'preference-applied',
    'ratelimit-policy',
    'ratelimit',
    'server-timing',
    'www-authenticate',
  ],
  maxAge: 600,
};
