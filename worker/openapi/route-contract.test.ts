import { env, exports } from 'cloudflare:workers';
import { createRoute } from '@hono/zod-openapi';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { MAX_BODY_BYTES } from '../middleware/read-json-body.ts';
import { type Document, fetchDocument, resolveSchema } from '../testing/openapi-fixtures.ts';
import { principalApp, principals } from '../testing/principal-app.ts';
import { testApp } from '../testing/test-app.ts';
import { jsonResponse, routeGroup } from './index.ts';

const worker = exports.default;

/** Status, `error.code` and `error.param` of an error response, its envelope checked. */
async function refusal(response: Response): Promise<[number, string, string | null]> {
  const body = errorEnvelopeSchema.parse(await response.json());
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
  return [response.status, body.error.code, body.error.param];
}

function post(body: string, contentType = 'application/json'): RequestInit {
  return { method: 'POST', headers: { 'content-type': contentType }, body };
}

/** The documented JSON body schema of `POST path`, its `$ref` resolved. */
function documentedBody(document: Document, path: string) {
  const body = document.paths[path]?.post?.requestBody?.content['application/json']?.schema;
  expect(body).toBeDefined();
  return resolveSchema(document, body ?? {});
}

describe('request bodies: the document shows the schema each route validates with', () => {
  for (const path of ['/v1/images/generations', '/v1/jobs']) {
    it(`${path}: a body the documented schema refuses is 400 invalid_request naming the field`, async () => {
      const document = await fetchDocument();
      const schema = documentedBody(document, path);
      expect(schema.required).toContain('prompt');
      expect(schema.required).not.toContain('n');
      expect(schema.properties?.prompt?.minLength).toBe(1);
      expect(schema.properties?.n?.maximum).toBe(10);

      const { app, validatedWith } = principalApp(env, principals.tenant);
      const answer = async (body: string) => refusal(await app.request(path, post(body), env));
      expect(await answer('{"n":1}')).toEqual([400, 'invalid_request', 'prompt']);
      expect(await answer('{"prompt":""}')).toEqual([400, 'invalid_request', 'prompt']);
      expect(await answer('{"prompt":"a lighthouse","n":11}')).toEqual([400, 'invalid_request', 'n']);

      // Not a copy: the very schema object the document was generated from.
      const route = app.openAPIRegistry.definitions.find(
        (definition) => definition.type === 'route' && definition.route.path === path,
      );
      const declared =
        route?.type === 'route' ? route.route.request?.body?.content['application/json'] : null;
      expect(declared && 'schema' in declared ? declared.schema : null).toBeDefined();
      expect(validatedWith).toHaveLength(3);
      for (const schemaUsed of validatedWith) {
        expect(schemaUsed).toBe(declared && 'schema' in declared ? declared.schema : null);
      }
    });

    it(`${path}: bad input keeps answering in the error envelope, never a hono default`, async () => {
      const { app } = principalApp(env, principals.tenant);
      const answer = async (init: RequestInit) => refusal(await app.request(path, init, env));
      expect(await answer(post('{"prompt":"x"}', 'text/plain'))).toEqual([
        415,
        'unsupported_media_type',
        null,
      ]);
      expect(await answer(post('{"prompt":'))).toEqual([400, 'invalid_json', null]);
      expect(await answer(post(`{"prompt":"${'x'.repeat(MAX_BODY_BYTES)}"}`))).toEqual([
        413,
        'payload_too_large',
        null,
      ]);
    });
  }

  it('/v1/jobs: the webhook is documented and checked as a URL', async () => {
    const document = await fetchDocument();
    expect(documentedBody(document, '/v1/jobs').properties?.webhook?.format).toBe('uri');
    const { app } = principalApp(env, principals.tenant);
    const response = await app.request('/v1/jobs', post('{"prompt":"x","webhook":"not a url"}'), env);
    expect(await refusal(response)).toEqual([400, 'invalid_request', 'webhook']);
  });
});

describe('parameters: a value the documented schema refuses keeps the route’s own answer', () => {
  it('a route without its own hook answers 400 invalid_request naming the parameter', async () => {
    const app = testApp(env);
    const probe = createRoute({
      method: 'get',
      path: '/v1/probe/{id}',
      request: {
        params: z.object({ id: z.string().regex(/^p_/) }),
        query: z.object({ n: z.coerce.number().int() }),
      },
      responses: { 200: jsonResponse(z.object({ n: z.number() }), 'The number.') },
    });
    app.route(
      '/',
      routeGroup<AppEnv>().openapi(probe, (context) =>
        context.json({ n: context.req.valid('query').n }, 200),
      ),
    );
    expect(await refusal(await app.request('/v1/probe/p_1?n=x', {}, env))).toEqual([
      400,
      'invalid_request',
      'n',
    ]);
    expect(await refusal(await app.request('/v1/probe/q_1?n=1', {}, env))).toEqual([
      400,
      'invalid_request',
      'id',
    ]);
    expect(await (await app.request('/v1/probe/p_1?n=7', {}, env)).json()).toEqual({ n: 7 });
  });

  it('admin keys: a missing or malformed tenant_id is 400 invalid_request naming it', async () => {
    const { app } = principalApp(env, principals.operator);
    for (const query of ['', '?tenant_id=', '?tenant_id=Not%20An%20Id']) {
      const response = await app.request(`/v1/admin/keys${query}`, {}, env);
      expect(await refusal(response)).toEqual([400, 'invalid_request', 'tenant_id']);
    }
  });
});

describe('security: routes refuse the callers the document does not admit', () => {
  /** Every documented operation with its path parameters filled in. */
  async function operations() {
    const document = await fetchDocument();
    return Object.entries(document.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        url: path.replace(/\{[A-Za-z_]+\}/g, 'x'),
        schemes: operation.security.flatMap((requirement) => Object.keys(requirement)),
      })),
    );
  }

  it('every route the document secures answers an anonymous caller 401', async () => {
    const secured = (await operations()).filter(({ schemes }) => schemes.length > 0);
    expect(secured.length).toBeGreaterThan(0);
    for (const { method, url } of secured) {
      const init = method === 'POST' ? post('{}') : { method };
      const response = await worker.fetch(`http://edge.test${url}`, init);
      expect([url, ...(await refusal(response))]).toEqual([url, 401, 'missing_credentials', null]);
    }
  });

  it('every operator route answers a tenant 403, before reading any input', async () => {
    const operatorOnly = (await operations()).filter(({ schemes }) => schemes.includes('operatorBearer'));
    expect(operatorOnly.length).toBeGreaterThan(0);
    const { app } = principalApp(env, principals.tenant);
    for (const { method, url } of operatorOnly) {
      const init = method === 'POST' ? post('not json') : { method };
      const response = await app.request(url, init, env);
      expect([url, ...(await refusal(response))]).toEqual([url, 403, 'insufficient_scope', null]);
    }
  });
});
