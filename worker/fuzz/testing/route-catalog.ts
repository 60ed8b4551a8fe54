import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppEnv } from '../../app-env.ts';
import { type Document, type DocumentedSchema, resolveSchema } from '../../testing/openapi-fixtures.ts';

/** A parameter of an operation, as the document shows it. */
export interface FuzzParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly schema: DocumentedSchema;
}

/** What a 2xx answer of an operation must look like: its media type and, for JSON, its schema. */
export interface SuccessShape {
  readonly mediaType: string | null;
  readonly schema: z.ZodType | null;
}

/** One route the fuzzer calls: documented, or only mounted in the app. */
export interface FuzzOperation {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The path template, `{name}` for each path parameter. */
  readonly path: string;
  readonly documented: boolean;
  readonly parameters: readonly FuzzParameter[];
  /** The request body's media type and schema (`$ref` resolved), if it takes one. */
  readonly body: { readonly mediaType: string; readonly schema: DocumentedSchema } | null;
  /** The credential kinds the route takes (`x-spillway-credentials`). */
  readonly credentials: readonly string[];
  /** Every status the document lists for it. */
  readonly statuses: ReadonlySet<number>;
  /** The documented 2xx answers by status. */
  readonly successes: ReadonlyMap<number, SuccessShape>;
}

interface DocumentedParameter {
  readonly name: string;
  readonly in: string;
  readonly schema?: DocumentedSchema;
}

interface DocumentedResponse {
  readonly content?: Record<string, unknown>;
}

/** The document's operation, read with the fields the fuzzer needs beyond the shared fixture's. */
interface FuzzedOperation {
  readonly parameters?: readonly DocumentedParameter[];
  readonly 'x-spillway-credentials'?: string[];
  readonly requestBody?: { readonly content: Record<string, { readonly schema: DocumentedSchema }> };
  readonly responses: Record<string, DocumentedResponse>;
}

/** hono's `:name` path parameters as the document writes them (`{name}`). */
function templateOf(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function pathParametersOf(path: string): FuzzParameter[] {
  return [...path.matchAll(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map(([, name = '']) => ({
    name,
    in: 'path' as const,
    schema: { type: 'string' },
  }));
}

/** The zod schemas each route declares for its answers, from the app's own registry. */
function declaredAnswers(app: OpenAPIHono<AppEnv>): Map<string, Map<number, z.ZodType>> {
  const byRoute = new Map<string, Map<number, z.ZodType>>();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== 'route') continue;
    const { route } = definition;
    const answers = new Map<number, z.ZodType>();
    for (const [status, response] of Object.entries(route.responses)) {
      const content = 'content' in response ? response.content : undefined;
      const media = content?.['application/json'];
      const schema = media !== undefined && 'schema' in media ? media.schema : undefined;
      if (schema instanceof z.ZodType) answers.set(Number(status), schema);
    }
    byRoute.set(`${route.method.toUpperCase()} ${templateOf(route.path)}`, answers);
  }
  return byRoute;
}

function documentedOperation(
  document: Document,
  method: string,
  path: string,
  operation: FuzzedOperation,
  answers: ReadonlyMap<number, z.ZodType> | undefined,
): FuzzOperation {
  const parameters = (operation.parameters ?? []).flatMap((parameter): FuzzParameter[] =>
    parameter.in === 'path' || parameter.in === 'query' || parameter.in === 'header'
      ? [{ name: parameter.name, in: parameter.in, schema: parameter.schema ?? {} }]
      : [],
  );
  const [mediaType, content] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
  const successes = new Map<number, SuccessShape>();
  for (const [status, response] of Object.entries(operation.responses)) {
    const code = Number(status);
    if (code < 200 || code > 299) continue;
    const [answerType = null] = Object.keys(response.content ?? {});
    successes.set(code, { mediaType: answerType, schema: answers?.get(code) ?? null });
  }
  return {
    method: method.toUpperCase(),
    path,
    documented: true,
    parameters,
    body:
      mediaType === undefined || content === undefined
        ? null
        : { mediaType, schema: resolveSchema(document, content.schema) },
    credentials: operation['x-spillway-credentials'] ?? [],
    statuses: new Set(Object.keys(operation.responses).map(Number)),
    successes,
  };
}

/**
 * Every route to fuzz: each operation of the served OpenAPI `document`, plus any route mounted in
 * `app` that the document leaves out (such a route is held to the error envelope, with no
 * documented answer to match). A route added later is fuzzed without touching the fuzzer.
 */
export function fuzzOperations(document: Document, app: OpenAPIHono<AppEnv>): FuzzOperation[] {
  const answers = declaredAnswers(app);
  const operations = Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Record<string, FuzzedOperation>).map(([method, operation]) =>
      documentedOperation(document, method, path, operation, answers.get(`${method.toUpperCase()} ${path}`)),
    ),
  );
  const known = new Set(operations.map(({ method, path }) => `${method} ${path}`));
  for (const route of app.routes) {
    const method = route.method.toUpperCase();
    const path = templateOf(route.path);
    // `ALL` entries are middleware (request ids, CORS), not routes of their own.
    if (method === 'ALL' || path.includes('*') || known.has(`${method} ${path}`)) continue;
    known.add(`${method} ${path}`);
    operations.push({
      method,
      path,
      documented: false,
      parameters: pathParametersOf(path),
      body: method === 'GET' || method === 'HEAD' ? null : { mediaType: 'application/json', schema: {} },
      credentials: [],
      statuses: new Set(),
      successes: new Map(),
    });
  }
  return operations;
}
