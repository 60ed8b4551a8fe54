import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import { ZodObject, type z } from 'zod';
import { ApiError, readOpenAiBody } from '../../shared/index.ts';
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
  options: JsonBodyOptions = {},
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
      validJsonBody(body.content['application/json'].schema, options),
    ],
  };
  // RouteHandler<R> is the handler type app.openapi derives for R, middleware env included; the
  // compiler cannot see that through the generic R.
  app.openapi(mounted, handler as never);
}

/** How a route reads its JSON body. */
export interface JsonBodyOptions {
  /**
   * An OpenAI-shaped body (`readOpenAiBody`): `null` optional fields are left out, and the
   * fields the schema does not know are kept for the route in `ignoredFields`.
   */
  readonly openAi?: boolean;
  /**
   * Every field of the body has a default: an empty body (as `curl -X POST` sends, or a `fetch`
   * with JSON headers and no body) reads as `{}` rather than 415 or 400 `invalid_json`.
   */
  readonly bodyOptional?: boolean;
}

/** Reads the body with {@link readJsonBody} and hands the result on as the validated `json`. */
function validJsonBody(schema: z.ZodType<object>, options: JsonBodyOptions): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const prepare =
      options.openAi && schema instanceof ZodObject
        ? (raw: unknown) => {
            const reading = readOpenAiBody(raw, schema);
            context.set('ignoredFields', reading.unknownFields);
            return reading.body;
          }
        : undefined;
    const empty = options.bodyOptional === true && (await context.req.arrayBuffer()).byteLength === 0;
    const body = empty ? await context.var.deps.parseJson('application/json', '{}', schema) : undefined;
    context.req.addValidatedData('json', body ?? (await readJsonBody(context, schema, prepare)));
    await next();
  };
}

/**
 * Reads and validates a JSON body through `deps.parseJson` (415 for a compressed or non-UTF-8
 * body or another media type, 400 `invalid_json`, 400 `invalid_request` naming the field); {@link limitBody} has refused it already if it was over
 * {@link MAX_BODY_BYTES} bytes.
 */
async function readJsonBody<Schema extends z.ZodType>(
  context: Context<AppEnv>,
  schema: Schema,
  prepare?: (body: unknown) => unknown,
): Promise<z.infer<Schema>> {
  const encoding = context.req.header('content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    // RFC 9110 §15.5.16: say which codings are taken.
    throw new ApiError('unsupported_media_type', 'send the body uncompressed (no Content-Encoding)', {
      headers: { 'accept-encoding': 'identity' },
    });
  }
  const contentType = context.req.header('content-type');
  const charset = /;\s*charset="?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError('unsupported_media_type', 'send the body as UTF-8 JSON (RFC 8259)');
  }
  let text: string;
  try {
    text = utf8.decode(await context.req.arrayBuffer());
  } catch {
    // Decoded leniently, Latin-1 bytes would turn into U+FFFD inside the prompt without a word.
    throw new ApiError('invalid_json', 'the request body is not UTF-8 (JSON must be, RFC 8259)');
  }
  return context.var.deps.parseJson(contentType, text, schema, prepare);
}

/** Strict: a body that is not UTF-8 is refused, never mended. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
