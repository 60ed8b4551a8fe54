import { env, exports } from 'cloudflare:workers';
import { compileErrors, validate } from '@readme/openapi-parser';
import { describe, expect, it } from 'vitest';
import { jobStatuses } from '../../shared/index.ts';
import { testApp } from '../testing/test-app.ts';
import { documentedRoutes, openApiPath } from './index.ts';

const worker = exports.default;

async function fetchDocument() {
  const response = await worker.fetch('http://edge.test/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as {
    openapi: string;
    servers: Array<{ url: string }>;
    paths: Record<string, Record<string, { operationId: string; security: unknown[] }>>;
    components: { schemas: Record<string, { properties?: Record<string, { enum?: string[] }> }> };
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
    const registered = new Set(
      testApp(env)
        .routes.filter((route) => route.method !== 'ALL')
        .map((route) => `${route.method.toLowerCase()} ${route.path}`),
    );
    const documented = new Set(documentedRoutes.map((route) => `${route.method} ${route.path}`));
    expect([...registered].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !registered.has(route))).toEqual([]);
    const document = await fetchDocument();
    for (const route of documentedRoutes) {
      expect(document.paths[openApiPath(route.path)]?.[route.method]?.operationId).toBe(route.operationId);
    }
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

describe('cors for browser apps', () => {
  it('answers a preflight for the jobs API with the headers the SDK sends', async () => {
    const response = await worker.fetch('http://edge.test/v1/jobs', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, idempotency-key',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-allow-headers')).toContain('idempotency-key');
    expect(response.headers.get('access-control-allow-methods')).toContain('DELETE');
  });

  it('lets a browser read error responses and Retry-After', async () => {
    const response = await worker.fetch('http://edge.test/v1/images/generations', {
      method: 'POST',
      headers: { origin: 'http://app.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(response.headers.get('access-control-expose-headers')).toContain('retry-after');
  });

  it('adds no CORS headers for server-side callers, which send no Origin', async () => {
    const response = await worker.fetch('http://edge.test/v1/images/generations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps the operator API same-origin', async () => {
    const response = await worker.fetch('http://edge.test/v1/admin/pools', {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
