import { env, exports } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { errorEnvelopeSchema } from '../shared/index.ts';
import { testApp } from './testing/test-app.ts';

const worker = exports.default;

describe('edge worker', () => {
  it('healthz: answers 200 {status:"ok"} with a generated x-request-id', async () => {
    const response = await worker.fetch('http://edge.test/healthz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('x-request-id')).toMatch(/^[\w=-]{1,128}$/);
  });

  it('request id: echoes a valid incoming x-request-id', async () => {
    const response = await worker.fetch('http://edge.test/healthz', {
      headers: { 'x-request-id': 'client-trace_42' },
    });
    expect(response.headers.get('x-request-id')).toBe('client-trace_42');
  });

  it('request id: replaces an incoming x-request-id that is not a sane token', async () => {
    for (const bad of ['has space', 'a'.repeat(129), '<script>']) {
      const response = await worker.fetch('http://edge.test/healthz', { headers: { 'x-request-id': bad } });
      const id = response.headers.get('x-request-id');
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[\w=-]{1,128}$/);
    }
  });

  it('not found: answers 404 with the error envelope carrying the response request id', async () => {
    const response = await worker.fetch('http://edge.test/no/such/route');
    expect(response.status).toBe(404);
    const body = errorEnvelopeSchema.parse(await response.json());
    expect(body.error.code).toBe('not_found');
    expect(body.error.type).toBe('not_found_error');
    expect(body.request_id).toBe(response.headers.get('x-request-id'));
  });

  it('not found: the OpenAI image edits and variations endpoints are named as not served', async () => {
    for (const path of ['/v1/images/edits', '/v1/images/variations']) {
      const response = await worker.fetch(`http://edge.test${path}`, { method: 'POST' });
      expect(response.status).toBe(404);
      const { error } = errorEnvelopeSchema.parse(await response.json());
      expect(error.message).toMatch(
        /^image (edits|variations) are not served: .*POST \/v1\/images\/generations/,
      );
    }
  });

  it('method not allowed: a real path with the wrong method answers 405 with Allow and the envelope', async () => {
    const cases: [string, string, string][] = [
      ['DELETE', '/v1/images/generations', 'OPTIONS, POST'],
      ['PUT', '/v1/jobs/job_abc', 'DELETE, GET, HEAD, OPTIONS'],
      ['POST', '/v1/models', 'GET, HEAD, OPTIONS'],
      ['GET', '/v1/admin/pools/pool-1/drain', 'DELETE, OPTIONS, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await worker.fetch(`http://edge.test${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow')).toBe(allow);
      const body = errorEnvelopeSchema.parse(await response.json());
      expect(body.error.code).toBe('method_not_allowed');
      expect(body.error.message).toContain(`${method} is not served at ${path}`);
    }
    // A path nothing is served at is still a 404.
    const missing = await worker.fetch('http://edge.test/v1/jobs/job_abc/nothing', { method: 'PUT' });
    expect(missing.status).toBe(404);
  });

  it('trailing slash: a served path plus "/" is an unknown path, 404, whatever the method', async () => {
    const cases: [string, string][] = [
      ['GET', '/v1/models/'],
      ['POST', '/v1/images/generations/'],
      ['GET', '/v1/jobs/'],
      ['POST', '/v1/jobs/'],
      ['GET', '/v1/jobs/job_abc/'],
      ['GET', '/healthz/'],
      ['GET', '/docs/'],
      ['GET', '/v1/admin/providers/'],
      ['OPTIONS', '/v1/models/'],
    ];
    for (const [method, path] of cases) {
      const response = await worker.fetch(`http://edge.test${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('allow'), `${method} ${path}`).toBeNull();
      const body = errorEnvelopeSchema.parse(await response.json());
      expect(body.error.code).toBe('not_found');
    }
  });

  it('OPTIONS without Origin: a served path answers 204 with the Allow its 405s name', async () => {
    const cases: [string, string][] = [
      ['/v1/models', 'GET, HEAD, OPTIONS'],
      ['/v1/images/generations', 'OPTIONS, POST'],
      ['/v1/admin/pools/pool-1/drain', 'DELETE, OPTIONS, POST'],
      ['/healthz', 'GET, HEAD, OPTIONS'],
    ];
    for (const [path, allow] of cases) {
      const response = await worker.fetch(`http://edge.test${path}`, { method: 'OPTIONS' });
      expect(response.status, path).toBe(204);
      expect(response.headers.get('allow'), path).toBe(allow);
      expect(await response.text(), path).toBe('');
      expect(response.headers.get('access-control-allow-origin'), path).toBeNull();
    }
    const missing = await worker.fetch('http://edge.test/no/such/route', { method: 'OPTIONS' });
    expect(missing.status).toBe(404);
  });

  it('unhandled error: answers 500 without leaking the message and logs it with the request id', async () => {
    const app = testApp(env);
    app.get('/boom', () => {
      throw new Error('secret upstream token abc123');
    });
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const response = await app.request('/boom', { headers: { 'x-request-id': 'req_boom' } }, env);
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(text).not.toContain('secret');
      const body = errorEnvelopeSchema.parse(JSON.parse(text));
      expect(body.error.code).toBe('internal_error');
      expect(body.request_id).toBe('req_boom');
      expect(response.headers.get('x-request-id')).toBe('req_boom');

      expect(log).toHaveBeenCalledTimes(1);
      const line = JSON.parse(String(log.mock.calls[0]?.[0]));
      expect(line).toMatchObject({
        request_id: 'req_boom',
        error: { message: 'secret upstream token abc123' },
      });
    } finally {
      log.mockRestore();
    }
  });
});
