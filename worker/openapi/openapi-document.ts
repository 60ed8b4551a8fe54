import { errorCatalog } from '../../shared/index.ts';
import { adminRoutes } from './admin-route-table.ts';
import { componentSchemas, type SchemaName } from './documented-schemas.ts';
import { publicRoutes } from './public-route-table.ts';
import type { ParameterSpec, ResponseSpec, RouteSpec } from './route-spec.ts';

/** Every documented route. A route the app registers but this list lacks fails the openapi test. */
export const documentedRoutes: readonly RouteSpec[] = [...publicRoutes, ...adminRoutes];

type Json = Record<string, unknown>;

const responseHeaders: Record<string, Json> = {
  'x-request-id': {
    description: 'The request id; quote it when reporting a problem.',
    schema: { type: 'string' },
  },
  'retry-after': { description: 'Seconds to wait before retrying.', schema: { type: 'integer' } },
  'x-spillway-pool': { description: 'The pool that served the request.', schema: { type: 'string' } },
  'x-spillway-provider': { description: 'The provider of that pool.', schema: { type: 'string' } },
  location: { description: 'The job’s status URL.', schema: { type: 'string' } },
  'idempotent-replayed': {
    description: '`true` when an Idempotency-Key returned an existing job.',
    schema: { type: 'string' },
  },
  'preference-applied': {
    description: 'The `Prefer: wait` honoured (RFC 7240).',
    schema: { type: 'string' },
  },
};

const ref = (name: SchemaName) => ({ $ref: `#/components/schemas/${name}` });

function headersOf(names: readonly string[]): Json {
  return Object.fromEntries(
    names.map((name) => [name, responseHeaders[name] ?? { schema: { type: 'string' } }]),
  );
}

function successResponse(spec: ResponseSpec): Json {
  const body = spec.body;
  return {
    description: spec.description,
    headers: headersOf(['x-request-id', ...(spec.headers ?? [])]),
    ...(body === undefined
      ? {}
      : typeof body === 'string'
        ? { content: { 'application/json': { schema: ref(body) } } }
        : { content: { [body.mediaType]: { schema: body.schema } } }),
  };
}

/** Error responses grouped by status, each listing the catalogued codes it can carry. */
function errorResponses(route: RouteSpec): Json {
  const byStatus = new Map<number, string[]>();
  for (const code of route.errors) {
    const { status } = errorCatalog[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  if (route.security !== 'none' || route.errors.length > 0) byStatus.set(500, ['internal_error']);
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      {
        description: `Error envelope; \`error.code\` is one of: ${codes.map((code) => `\`${code}\``).join(', ')}.`,
        headers: headersOf(
          status === 429 || status === 503 ? ['x-request-id', 'retry-after'] : ['x-request-id'],
        ),
        content: { 'application/json': { schema: ref('ErrorEnvelope') } },
      },
    ]),
  );
}

function parametersOf(route: RouteSpec): Json[] {
  const pathNames = [...route.path.matchAll(/:([A-Za-z_]+)/g)].map((match) => match[1] ?? '');
  const fromPath = pathNames.map((name) => ({
    name,
    in: 'path',
    required: true,
    description: route.pathParameters?.[name] ?? name,
    schema: { type: 'string' },
  }));
  const other = (route.parameters ?? []).map((parameter: ParameterSpec) => ({
    name: parameter.name,
    in: parameter.in,
    required: parameter.required ?? false,
    description: parameter.description,
    schema: parameter.schema ?? { type: 'string' },
  }));
  return [...fromPath, ...other];
}

function operationOf(route: RouteSpec): Json {
  const body = route.requestBody;
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    security: route.security === 'none' ? [] : [{ [`${route.security}Bearer`]: [] }],
    parameters: parametersOf(route),
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            required: true,
            ...(typeof body === 'string'
              ? { content: { 'application/json': { schema: ref(body) } } }
              : {
                  description: body.description,
                  content: { [body.mediaType]: { schema: { type: 'string' } } },
                }),
          },
        }),
    responses: {
      ...Object.fromEntries(
        Object.entries(route.responses).map(([status, spec]) => [status, successResponse(spec)]),
      ),
      ...errorResponses(route),
    },
  };
}

/** `/v1/jobs/:id` → `/v1/jobs/{id}`. */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z_]+)/g, '{$1}');
}

/**
 * The OpenAPI 3.1 document of the edge API, generated from the shared zod schemas and the route
 * tables. `serverUrl` is where the document was fetched from, so generated clients call that.
 * @example
 * const document = openApiDocument('http://127.0.0.1:8787');
 * document.paths['/v1/jobs/{id}'].get.operationId; // 'getJob'
 */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Json> = {};
  for (const route of documentedRoutes) {
    const path = openApiPath(route.path);
    paths[path] = { ...paths[path], [route.method]: operationOf(route) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Spillway API',
      version: '0.1.0',
      description:
        'One global endpoint for image generation, routed to the GPU pool that finishes soonest. ' +
        'Errors use one envelope: `{ error: { type, code, message, param }, request_id }`; 408, 429 and 5xx are ' +
        'retryable (honour `Retry-After`).',
    },
    servers: [{ url: serverUrl }],
    tags: [
      { name: 'Images', description: 'Synchronous, OpenAI Images compatible.' },
      { name: 'Jobs', description: 'Async jobs: submit, poll, stream, cancel; results by signed URL.' },
      { name: 'Pools', description: 'Called by gpu-node pools.' },
      { name: 'Admin', description: 'Operator API.' },
      { name: 'Meta', description: 'Health and this reference.' },
    ],
    paths,
    components: {
      schemas: componentSchemas(),
      securitySchemes: {
        tenantBearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A tenant API key (`sk_…`, servers only) or a short-lived app JWT signed by the tenant’s registered issuer.',
        },
        operatorBearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'An operator JWT (`typ: spillway-operator+jwt`) signed by the edge key.',
        },
      },
    },
  };
}
