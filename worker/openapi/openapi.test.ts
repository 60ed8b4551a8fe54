import { env, exports } from 'cloudflare:workers';
import { compileErrors, validate } from '@readme/openapi-parser';
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { jobStatuses } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { type Document, fetchDocument } from '../testing/openapi-fixtures.ts';
import { testApp } from '../testing/test-app.ts';

const worker = exports.default;

/**
 * Every operation the edge serves, by the operationId clients and tools are generated with. A
 * renamed or dropped one fails here; a new route adds its line.
 */
const operationIds = {
  'get /healthz': 'getHealth',
  'get /openapi.json': 'getOpenApiDocument',
  'get /docs': 'getApiReference',
  'get /.well-known/jwks.json': 'getEdgeJwks',
  'post /v1/images/generations': 'createImage',
  'get /v1/models': 'listModels',
  'get /v1/models/{model}': 'retrieveModel',
  'post /v1/jobs': 'createJob',
  'get /v1/jobs/{id}': 'getJob',
  'get /v1/jobs/{id}/events': 'streamJobEvents',
  'delete /v1/jobs/{id}': 'cancelJob',
  'get /v1/results/{job_id}/{index}': 'getResultImage',
  'get /v1/webhooks/secret': 'getWebhookSecret',
  'post /v1/webhooks/secret/rotate': 'rotateWebhookSecret',
  'post /v1/admin/tokens': 'mintOperatorToken',
  'delete /v1/admin/tokens/{jti}': 'revokeOperatorToken',
  'post /v1/pools/{id}/telemetry': 'pushPoolTelemetry',
  'get /v1/admin/providers': 'listProviders',
  'post /v1/admin/providers': 'putProvider',
  'delete /v1/admin/providers/{id}': 'deleteProvider',
  'get /v1/admin/pools': 'listPools',
  'post /v1/admin/pools': 'putPool',
  'delete /v1/admin/pools/{id}': 'deletePool',
  'post /v1/admin/pools/{id}/drain': 'drainPool',
  'delete /v1/admin/pools/{id}/drain': 'undrainPool',
  'get /v1/admin/tenants': 'listTenants',
  'post /v1/admin/tenants': 'putTenant',
  'get /v1/admin/tenants/{id}': 'getTenant',
  'delete /v1/admin/tenants/{id}': 'deleteTenant',
  'get /v1/admin/tenants/{id}/limits': 'getTenantLimits',
  'put /v1/admin/tenants/{id}/limits': 'putTenantLimits',
  'get /v1/admin/keys': 'listApiKeys',
  'post /v1/admin/keys': 'mintApiKey',
  'delete /v1/admin/keys/{id}': 'revokeApiKey',
  'get /v1/admin/stats': 'getStats',
  'get /v1/admin/metrics': 'getMetrics',
  'get /dashboard': 'getDashboard',
  'get /dashboard/assets/dashboard.js': 'getDashboardScript',
  'get /dashboard/assets/dashboard.css': 'getDashboardStyle',
  'post /dashboard/session': 'openDashboardSession',
  'delete /dashboard/session': 'closeDashboardSession',
};

/** The app's routes against the document it serves: either side's extra routes, and the operationIds. */
async function compareRoutes(app: Hono<AppEnv>) {
  const registered = new Set(
    app.routes
      .filter((route) => route.method !== 'ALL')
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:([A-Za-z_]+)/g, '{$1}')}`),
  );
  const document = (await (await app.request('/openapi.json', {}, env)).json()) as Document;
  const documented = new Map(
    Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => [`${method} ${path}`, operation.operationId]),
    ),
  );
  return {
    undocumented: [...registered].filter((route) => !documented.has(route)),
    unserved: [...documented.keys()].filter((route) => !registered.has(route)),
    operations: Object.fromEntries(documented),
  };
}

describe('openapi', () => {
  it('serves a valid OpenAPI 3.1 document at /openapi.json', async () => {
    const document = await fetchDocument();
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'http://edge.test' }]);
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
    expect(result.valid).toBe(true);
  });

  it('documents every route the app registers, and nothing it does not', async () => {
    const { undocumented, unserved, operations } = await compareRoutes(testApp(env));
    expect(undocumented).toEqual([]);
    expect(unserved).toEqual([]);
    expect(operations).toEqual(operationIds);
  });

  it('reports a route mounted without its documentation', async () => {
    const app = testApp(env);
    app.get('/v1/undocumented', (context) => context.json({}));
    expect((await compareRoutes(app)).undocumented).toEqual(['get /v1/undocumented']);
  });

  it('includes the jobs contract, generated from the shared zod schemas', async () => {
    const document = await fetchDocument();
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/jobs',
        '/v1/jobs/{id}',
        '/v1/jobs/{id}/events',
        '/v1/results/{job_id}/{index}',
      ]),
    );
    expect(document.components.schemas.JobResource?.properties?.status?.enum).toEqual([...jobStatuses]);
    expect(document.paths['/v1/jobs']?.post?.security).toEqual([{ tenantBearer: [] }]);
    expect(document.paths['/v1/results/{job_id}/{index}']?.get?.security).toEqual([]);
    // A rotation takes no body at all (a one-day overlap), as the route serves it.
    expect(document.paths['/v1/webhooks/secret/rotate']?.post?.requestBody?.required).toBe(false);
    expect(document.paths['/v1/jobs']?.post?.requestBody?.required).toBe(true);
  });

  it('serves the interactive reference at /docs as one self-contained page', async () => {
    const response = await worker.fetch('http://edge.test/docs');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await response.text();
    expect(html).toContain("fetch('/openapi.json')");
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="https?:/);
  });
});
