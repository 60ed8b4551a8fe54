import { exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

const worker = exports.default;

/** What the openai npm SDK sends from a browser (`dangerouslyAllowBrowser`), organisation and project set. */
const openaiSdkHeaders = [
  'accept',
  'authorization',
  'content-type',
  'openai-organization',
  'openai-project',
  'x-stainless-arch',
  'x-stainless-lang',
  'x-stainless-os',
  'x-stainless-package-version',
  'x-stainless-retry-count',
  'x-stainless-runtime',
  'x-stainless-runtime-version',
  'x-stainless-timeout',
];

function preflight(path: string, method: string, requestHeaders: string): Promise<Response> {
  return worker.fetch(`http://edge.test${path}`, {
    method: 'OPTIONS',
    headers: {
      origin: 'http://app.example',
      'access-control-request-method': method,
      'access-control-request-headers': requestHeaders,
    },
  });
}

/** The header names an `Access-Control-Allow-Headers` value lists, lower-cased. */
function listed(value: string | null): string[] {
  return (value ?? '').split(',').map((name) => name.trim().toLowerCase());
}

describe('cors for browser apps', () => {
  it('answers a preflight for the jobs API with the headers the SDK sends', async () => {
    const response = await preflight('/v1/jobs', 'POST', 'authorization, content-type, idempotency-key');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(listed(response.headers.get('access-control-allow-headers'))).toContain('idempotency-key');
    expect(response.headers.get('access-control-allow-methods')).toContain('DELETE');
  });

  it('allows every header the openai SDK sends, on each route it calls', async () => {
    const cases: [string, string][] = [
      ['/v1/images/generations', 'POST'],
      ['/v1/models', 'GET'],
      ['/v1/models/some-model', 'GET'],
      ['/v1/jobs/job_abc', 'DELETE'],
    ];
    for (const [path, method] of cases) {
      const response = await preflight(path, method, openaiSdkHeaders.join(', '));
      expect(response.status, path).toBe(204);
      expect(response.headers.get('access-control-allow-origin'), path).toBe('*');
      // Listed by name: a `*` would not cover Authorization.
      expect(listed(response.headers.get('access-control-allow-headers')), path).toEqual(openaiSdkHeaders);
      expect(response.headers.get('access-control-allow-methods'), path).toContain(method);
      expect(response.headers.get('vary')?.toLowerCase(), path).toContain('access-control-request-headers');
    }
  });

  it('lets a browser read error responses, Retry-After and the request id', async () => {
    const response = await worker.fetch('http://edge.test/v1/images/generations', {
      method: 'POST',
      headers: { origin: 'http://app.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const exposed = listed(response.headers.get('access-control-expose-headers'));
    for (const name of [
      'retry-after',
      'x-request-id',
      'x-spillway-provider',
      'ratelimit',
      'server-timing',
      'www-authenticate',
    ]) {
      expect(exposed).toContain(name);
    }
  });

  it('lets a browser read the 404 of a path nothing serves, preflight included', async () => {
    const asked = await preflight('/v1/chat/completions', 'POST', openaiSdkHeaders.join(', '));
    expect(asked.status).toBe(204);
    expect(asked.headers.get('access-control-allow-origin')).toBe('*');
    expect(asked.headers.get('access-control-allow-methods')).toContain('POST');
    expect(listed(asked.headers.get('access-control-allow-headers'))).toEqual(openaiSdkHeaders);
    const response = await worker.fetch('http://edge.test/v1/chat/completions', {
      method: 'POST',
      headers: { origin: 'http://app.example', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(listed(response.headers.get('access-control-expose-headers'))).toContain('x-request-id');
    expect(await response.json()).toMatchObject({ error: { code: 'not_found' } });
    const serverSide = await worker.fetch('http://edge.test/v1/chat/completions', { method: 'POST' });
    expect(serverSide.status).toBe(404);
    expect(serverSide.headers.get('access-control-allow-origin')).toBeNull();
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

  it('keeps the cookie-authenticated operator API and dashboard same-origin', async () => {
    for (const path of ['/v1/admin/pools', '/v1/admin/stats', '/dashboard', '/dashboard/session']) {
      const response = await preflight(path, 'GET', openaiSdkHeaders.join(', '));
      expect(response.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(response.headers.get('access-control-allow-headers'), path).toBeNull();
      expect(response.headers.get('access-control-allow-methods'), path).toBeNull();
    }
    const read = await worker.fetch('http://edge.test/v1/admin/stats', {
      headers: { origin: 'http://evil.example', cookie: '__Host-spillway_dash=forged' },
    });
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    expect(read.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
