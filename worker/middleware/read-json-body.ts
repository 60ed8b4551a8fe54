import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { limitBody } from './body-limit.ts';

/** Largest request body the edge reads; generation requests are a few hundred bytes. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A route whose request body is one JSON document, validated by `schema`. */
export type JsonBodyRoute = RouteConfig & {
  readonly request: {
    readonly body: {
      readonly content: { readonly 'application/json': { readonly schema: z.ZodType<object> } };
    };
  };
};

/**
 * `app.openapi(route, handler)` for a route that takes a JSON body: the route is documented whole,
 * and its body is read by {@link readJsonBody} against the schema object the route declares, which
 * is the schema the document shows. The handler gets the parsed body as `context.req.valid('json')`.
 *
 * zod-openapi's own body validator is left out on purpose: it answers a non-JSON content type or
 * broken JSON with hono's plain-text errors (a 500 here), knows no size limit, and would parse and
 * validate every body a second time, past `deps.parseJson`.
 */
export function openapiWithJsonBody<R extends JsonBodyRoute>(
  app: OpenAPIHono<AppEnv>,
  route: R,
  handler: RouteHandler<R, AppEnv>,
): void {
  const { middleware, hide: _hide, ...documented } = route;
  app.openAPIRegistry.registerPath(documented);
  const { body, ...request } = route.request;
  const routeMiddleware = middleware === undefined ? [] : [middleware].flat();
  const mounted = {
    ...route,
    hide: true,
    request,
    middleware: [
      ...routeMiddleware,
      limitBody(MAX_BODY_BYTES),
      validJsonBody(body.content['application/json'].schema),
    ],
  };
  // RouteHandler<R> is the handler type app.openapi derives for R, middleware env included; the
  // compiler cannot see that through the generic R.
  app.openapi(mounted, handler as never);
}

/** Reads the body with {@link readJsonBody} and hands the result on as the validated `json`. */
function validJsonBody(schema: z.ZodType<object>): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    context.req.addValidatedData('json', await readJsonBody(context, schema));
    await next();
  };
}

/**
 * Reads and validates a JSON body through `deps.parseJson` (415, 400 `invalid_json`, 400
 * `invalid_request` naming the field); {@link limitBody} has refused it already if it was over
 * {@link MAX_BODY_BYTES} bytes.
 */
async function readJsonBody<Schema extends z.ZodType>(
  context: Context<AppEnv>,
  schema: Schema,
): Promise<z.infer<Schema>> {
  const text = await context.req.text();
  return context.var.deps.parseJson(context.req.header('content-type'), text, schema);
}
