import { createRoute } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../app-env.ts';
import { publicOriginOf } from '../config.ts';
import { access } from '../middleware/access.ts';
import { docsPage, docsPageHeaders } from './docs-page.ts';
import { schemas } from './named-schemas.ts';
import { type OpenApiDocument, securitySchemes } from './openapi-document.ts';
import { routeGroup } from './route-group.ts';
import { jsonResponse, mediaResponse } from './route-parts.ts';

const meta = { tags: ['Meta'], ...access('public') };

const getHealth = createRoute({
  ...meta,
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  summary: 'Liveness of the edge Worker',
  responses: { 200: jsonResponse(schemas.health, 'The Worker is up.') },
});

const getOpenApiDocument = createRoute({
  ...meta,
  method: 'get',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI 3.1 document',
  responses: { 200: jsonResponse(z.looseObject({}), 'The document.') },
});

/** The public JWK of one edge key, as pools select it by `kid`. */
const edgePublicJwkSchema = z.object({
  kty: z.literal('OKP'),
  crv: z.literal('Ed25519'),
  x: z.string(),
  kid: z.string(),
  alg: z.literal('EdDSA'),
  use: z.literal('sig'),
});

/** How long pools and caches may keep the JWKS; a token with an unknown `kid` makes jose refetch. */
const JWKS_MAX_AGE_S = 300;

const getEdgeJwks = createRoute({
  ...meta,
  method: 'get',
  path: '/.well-known/jwks.json',
  operationId: 'getEdgeJwks',
  summary: 'The edge’s public signing keys (JWKS)',
  description:
    'What gpu-node’s `--edge-jwks-url` fetches to verify dispatch tokens: the current key and, ' +
    'during a rotation, the other one (`EDGE_SIGNING_KEY_PREVIOUS`), each with its `kid`.',
  responses: { 200: jsonResponse(z.object({ keys: z.array(edgePublicJwkSchema) }), 'The key set.') },
});

const getApiReference = createRoute({
  ...meta,
  method: 'get',
  path: '/docs',
  operationId: 'getApiReference',
  summary: 'Interactive API reference (HTML, works offline)',
  responses: { 200: mediaResponse('text/html', { type: 'string' }, 'An HTML page rendering /openapi.json.') },
});

/**
 * `GET /healthz`, `GET /openapi.json` (the document of every route mounted in the app, from
 * `documentAt`), `GET /.well-known/jwks.json` (the edge's public keys, for pools) and `GET /docs`
 * (the interactive reference), plus the security schemes the routes
 * name.
 */
export function metaRoutes(documentAt: (serverUrl: string) => OpenApiDocument) {
  const routes = routeGroup<AppEnv>();
  for (const [name, scheme] of Object.entries(securitySchemes)) {
    routes.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  }
  return routes
    .openapi(getHealth, (context) => context.json({ status: 'ok' as const }, 200))
    .openapi(getOpenApiDocument, (context) =>
      context.json(documentAt(publicOriginOf(context.var.deps.config, context.req.url)), 200),
    )
    .openapi(getEdgeJwks, async (context) => {
      const { jwks } = await context.var.deps.edgeKeys();
      context.header('cache-control', `public, max-age=${JWKS_MAX_AGE_S}`);
      return context.json({ keys: jwks.keys.map((key) => edgePublicJwkSchema.parse(key)) }, 200);
    })
    .openapi(getApiReference, (context) => context.body(docsPage(), 200, docsPageHeaders));
}
