import type { OpenAPIHono } from '@hono/zod-openapi';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { allowedMethodsOf } from '../shared/allowed-methods.ts';
import { ApiError, errorEnvelope } from '../shared/index.ts';
import { apiKeyRoutes } from './admin/api-key-routes.ts';
import { poolRoutes } from './admin/pool-routes.ts';
import { providerRoutes } from './admin/provider-routes.ts';
import { tenantLimitRoutes } from './admin/tenant-limit-routes.ts';
import { tenantRoutes } from './admin/tenant-routes.ts';
import { tokenRoutes } from './admin/token-routes.ts';
import type { AppEnv } from './app-env.ts';
import { dashboardRoutes } from './dashboard/dashboard-routes.ts';
import type { EdgeDeps } from './edge-deps.ts';
import { telemetryRoutes } from './fleet/telemetry-routes.ts';
import { generationRoutes } from './generations/generation-routes.ts';
import { modelRoutes } from './generations/model-routes.ts';
import { jobRoutes } from './jobs/job-routes.ts';
import { resultRoutes } from './jobs/result-routes.ts';
import { webhookRoutes } from './jobs/webhook-routes.ts';
import { noStore, noStorePaths } from './middleware/no-store.ts';
import { observeRequests } from './middleware/observe-requests.ts';
import { observabilityRoutes } from './observability/observability-routes.ts';
import {
  isPreflight,
  openApiDocumentOf,
  publicCorsOptions,
  publicCorsPaths,
  resultsCorsPath,
  routeGroup,
  unknownPathCorsHeaders,
} from './openapi/index.ts';
import { metaRoutes } from './openapi/meta-routes.ts';

/** Longest incoming `x-request-id` we accept; anything longer is replaced with a fresh id. */
const maxRequestIdLength = 128;

/**
 * Builds the edge Worker app around the isolate's collaborators (`deps`, on every request's
 * context): request ids, the public OpenAI-compatible API, pool heartbeats, the operator API,
 * and the shared error envelope for every failure. A new app per call, so tests and benches
 * build the variants they need.
 * @example
 * const app = createApp(createEdgeDeps(env, parseEdgeConfig(env)));
 * const response = await app.request('/healthz', {}, env); // 200 {"status":"ok"}
 */
export function createApp(deps: EdgeDeps): OpenAPIHono<AppEnv> {
  // Every route is documented where it is defined; `GET /openapi.json` is generated from them.
  const app = routeGroup<AppEnv>();

  app.use(async (context, next) => {
    context.set('deps', deps);
    await next();
  });
  // hono's requestId keeps an incoming id only if it is 1..limitLength chars of [A-Za-z0-9_=-];
  // otherwise it generates one. It also echoes the id in the response header, error paths included.
  app.use(requestId({ limitLength: maxRequestIdLength }));
  // W3C traceparent on every request; a log line, a data point and stats for generations and jobs.
  app.use(observeRequests());
  for (const path of noStorePaths) app.use(path, noStore());
  // CORS headers only mean something to browsers, and browsers send `Origin` on every
  // cross-origin request. Skipping the middleware for server-side callers saves rebuilding each
  // response to add headers (about a tenth of the edge's CPU per request, bench/edge).
  // Result URLs are the exception: an <img> fetches one without `Origin`, and the browser's cache
  // later hands that answer to the page's CORS fetch of the same URL, so it must carry them too.
  const publicCors = cors(publicCorsOptions);
  for (const path of publicCorsPaths) {
    const always = path === resultsCorsPath;
    app.use(path, (context, next) =>
      !always && context.req.header('origin') === undefined ? next() : publicCors(context, next),
    );
  }

  // Mounted in the order the reference lists them; no two routes overlap.
  app.route('/', metaRoutes(openApiDocumentOf(app)));
  app.route('/', generationRoutes);
  app.route('/', modelRoutes);
  app.route('/', jobRoutes);
  app.route('/', resultRoutes);
  app.route('/', webhookRoutes);
  app.route('/', telemetryRoutes);
  app.route('/', providerRoutes);
  app.route('/', poolRoutes);
  app.route('/', tenantRoutes);
  app.route('/', tenantLimitRoutes);
  app.route('/', apiKeyRoutes);
  app.route('/', tokenRoutes);
  app.route('/', observabilityRoutes);
  app.route('/', dashboardRoutes);

  // Built on first use: by then every route above is mounted.
  let allowedAt: ((path: string) => string[]) | undefined;
  app.notFound((c) => {
    allowedAt ??= allowedMethodsOf(app.routes);
    const allowed = allowedAt(c.req.path);
    if (allowed.length > 0) {
      c.header('Allow', allowed.join(', '));
      // A preflight from a browser never gets here on the public paths (CORS answers it); a
      // plain OPTIONS asks what the path serves, which Allow says (RFC 9110 §9.3.7).
      if (c.req.method === 'OPTIONS') return c.body(null, 204);
      const message = `${c.req.method} is not served at ${c.req.path}; use ${allowed.join(' or ')}`;
      return c.json(errorEnvelope('method_not_allowed', message, c.get('requestId')), 405);
    }
    const corsHeaders = unknownPathCorsHeaders(c.req.raw);
    for (const [name, value] of Object.entries(corsHeaders ?? {})) c.header(name, value);
    if (corsHeaders !== null && isPreflight(c.req.raw)) return c.body(null, 204);
    const body = errorEnvelope('not_found', notFoundMessage(c.req.method, c.req.path), c.get('requestId'));
    return c.json(body, 404);
  });

  app.onError((error, c) => {
    const id = c.get('requestId');
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(errorEnvelope(error.code, error.message, id, error.param), error.status);
    }
    // Details go to logs only; the client gets a fixed message.
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'unhandled error',
        request_id: id,
        method: c.req.method,
        path: c.req.path,
        error: { name: error.name, message: error.message, stack: error.stack },
      }),
    );
    return c.json(errorEnvelope('internal_error', 'internal server error', id), 500);
  });

  return app;
}

/**
 * Paths of the OpenAI images API that Spillway does not serve (the official SDK's `images.edit`
 * and `images.createVariation`), and what their 404 says: that the endpoint is not served, not
 * that a route or a model is missing. Still a 404, which the SDKs do not retry (a 501 they would).
 */
const UNSERVED_OPENAI_PATHS: Readonly<Record<string, string>> = {
  '/v1/images/edits':
    'image edits are not served: Spillway generates images from text (POST /v1/images/generations)',
  '/v1/images/variations':
    'image variations are not served: Spillway generates images from text (POST /v1/images/generations)',
};

/** The 404's message: a known unserved OpenAI endpoint is named as such. */
function notFoundMessage(method: string, path: string): string {
  return UNSERVED_OPENAI_PATHS[path] ?? `no route for ${method} ${path}`;
}
