import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { docsPage, docsPageHeaders } from './docs-page.ts';
import { openApiDocument } from './openapi-document.ts';

/** `GET /openapi.json` (the OpenAPI 3.1 document) and `GET /docs` (the interactive reference). */
export const openApiRoutes = new Hono<AppEnv>()
  .get('/openapi.json', (context) => context.json(openApiDocument(new URL(context.req.url).origin)))
  .get('/docs', (context) => context.body(docsPage(), 200, docsPageHeaders));
