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

/**
 * CORS headers for a path nothing serves, so a browser app that calls a wrong URL reads the 404's
 * envelope instead of an opaque CORS failure: `*` for the origin (no route there reads cookies)
 * and, on a preflight, the methods and the headers it asked for, so the actual request follows
 * and gets the 404. Null without an `Origin` (server-side callers need none).
 */
export function unknownPathCorsHeaders(request: Request): Record<string, string> | null {
  if (request.headers.get('origin') === null) return null;
  const headers: Record<string, string> = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': publicCorsOptions.exposeHeaders.join(','),
  };
  const asked = request.headers.get('access-control-request-headers');
  if (isPreflight(request)) {
    headers['access-control-allow-methods'] = publicCorsOptions.allowMethods.join(',');
    headers['access-control-max-age'] = String(publicCorsOptions.maxAge);
    if (asked !== null) headers['access-control-allow-headers'] = asked;
    headers.vary = 'Access-Control-Request-Headers';
  }
  return headers;
}

/** Whether `request` is a CORS preflight (an OPTIONS with `Access-Control-Request-Method`). */
export function isPreflight(request: Request): boolean {
  return request.method === 'OPTIONS' && request.headers.get('access-control-request-method') !== null;
}
