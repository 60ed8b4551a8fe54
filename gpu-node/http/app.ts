import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { allowedMethodsOf } from '../../shared/allowed-methods.ts';
import { loadHeaders } from '../../shared/index.ts';
import { parseTraceparent } from '../../shared/trace-context.ts';
import { ApiError, errorResponse } from './api-error.ts';
import { requireEdgeToken } from './auth-middleware.ts';
import { piggybackedLoad } from './piggybacked-load.ts';
import type { PoolContext, PoolEnv } from './pool-context.ts';
import { generateRoutes } from './routes/generate-routes.ts';
import { kserveInferPaths, kserveRoutes } from './routes/kserve-routes.ts';
import { metricsRoutes, telemetryRoutes } from './routes/telemetry-routes.ts';

/** Requests that are polled constantly and would drown the log at info level. */
const quietPaths = /^\/(?:v2\/health\/|metrics$|v1\/telemetry$)/;

/** Builds gpu-node's HTTP app around a running pool. */
export function createPoolApp(pool: PoolContext): Hono<PoolEnv> {
  const app = new Hono<PoolEnv>();
  app.use(requestId({ headerName: 'x-request-id', limitLength: 128 }));
  app.use(async (context, next) => {
    const started = performance.now();
    await next();
    const load = piggybackedLoad(pool.scheduler);
    // Set on the finished response itself: context.header() after next() rebuilds the response
    // around a body stream, which costs @hono/node-server its direct write (~1 ms per image).
    const headers = context.res.headers;
    headers.set('x-spillway-pool', pool.poolId);
    for (const [name, value] of Object.entries(loadHeaders(load))) {
      headers.set(name, value);
    }
    // A draining pool is about to stop: no connection should outlive the response it carries.
    if (load.draining) headers.set('connection', 'close');
    // The edge's W3C trace id, so one generation can be followed from the edge's log to this one.
    const trace = parseTraceparent(context.req.header('traceparent'));
    const entry = {
      request_id: context.get('requestId'),
      ...(trace ? { trace_id: trace.traceId } : {}),
      method: context.req.method,
      path: context.req.path,
      status: context.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    };
    if (quietPaths.test(context.req.path)) pool.logger.debug(entry, 'request');
    else pool.logger.info(entry, 'request');
  });
  app.use(
    bodyLimit({
      maxSize: pool.maxBodyBytes,
      onError: () => {
        throw new ApiError('payload_too_large', `request bodies are limited to ${pool.maxBodyBytes} bytes`);
      },
    }),
  );
  app.use('/v1/*', requireEdgeToken(pool));
  // Inference over KServe spends compute like /v1/generate does, so it needs the same token.
  for (const path of kserveInferPaths) app.use(path, requireEdgeToken(pool));
  if (pool.protectOps) {
    app.use('/v2/*', requireEdgeToken(pool));
    app.use('/metrics', requireEdgeToken(pool));
  }
  app.route('/', generateRoutes(pool));
  app.route('/', telemetryRoutes(pool));
  app.route('/', metricsRoutes(pool));
  app.route('/', kserveRoutes(pool));
  // Built on first use: by then every route above is mounted.
  let allowedAt: ((path: string) => string[]) | undefined;
  app.notFound((context) => {
    const { method, path } = context.req;
    allowedAt ??= allowedMethodsOf(app.routes);
    const allowed = allowedAt(path);
    if (allowed.length === 0) {
      return errorResponse(context, new ApiError('not_found', `no route for ${method} ${path}`));
    }
    const allow = allowed.join(', ');
    // A plain OPTIONS asks what the path serves, which Allow says (RFC 9110 §9.3.7).
    if (method === 'OPTIONS') return context.body(null, 204, { allow });
    const use = allowed.filter((served) => served !== 'OPTIONS').join(' or ');
    return errorResponse(
      context,
      new ApiError('method_not_allowed', `${method} is not served at ${path}; use ${use}`, {
        headers: { allow },
      }),
    );
  });
  app.onError((error, context) => {
    if (error instanceof ApiError) return errorResponse(context, error);
    pool.logger.error({ request_id: context.get('requestId'), err: error }, 'unhandled error');
    return errorResponse(context, new ApiError('internal_error', 'internal error'));
  });
  return app;
}
