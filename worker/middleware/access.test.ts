import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { type Document, fetchDocument } from '../testing/openapi-fixtures.ts';
import {
  operatorAuthorization,
  registerTenantCallers,
  type TenantCallers,
} from '../testing/tenant-callers.ts';
import { accessPolicies, CREDENTIALS_EXTENSION, type CredentialKind } from './access.ts';

const knownKinds = new Set<string>(Object.values(accessPolicies).flatMap((policy) => policy.credentials));
const bearerKinds = ['api_key', 'app_token', 'operator'] as const satisfies readonly CredentialKind[];

let document: Document;
let callers: TenantCallers;
let headers: Record<(typeof bearerKinds)[number], string>;

beforeAll(async () => {
  document = await fetchDocument();
  callers = await registerTenantCallers(env, 'access-tenant');
  headers = {
    api_key: callers.apiKey,
    app_token: await callers.appToken('user-1'),
    operator: await operatorAuthorization(env),
  };
});

function operations() {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
  );
}

describe('access: every route declares the credentials it takes', () => {
  it('access: every operation in the document names its credential kinds, all of them known', () => {
    const undeclared = operations().filter(({ operation }) => {
      const kinds = operation[CREDENTIALS_EXTENSION];
      return !kinds || kinds.length === 0 || kinds.some((kind) => !knownKinds.has(kind));
    });
    expect(undeclared.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    expect(operations().length).toBeGreaterThan(20);
  });

  it('access: each bearer credential kind a route does not declare is refused with 403, before any input', async () => {
    const outcomes: string[] = [];
    for (const { path, method, operation } of operations()) {
      const declared = operation[CREDENTIALS_EXTENSION] ?? [];
      if (!declared.some((kind) => (bearerKinds as readonly string[]).includes(kind))) continue;
      const url = `http://edge.test${path.replaceAll(/\{[^}]+\}/g, 'no-such-id')}`;
      for (const kind of bearerKinds) {
        const response = await exports.default.fetch(url, {
          method: method.toUpperCase(),
          headers: { authorization: headers[kind], 'content-type': 'application/json' },
          body: method === 'get' || method === 'delete' ? undefined : '{}',
        });
        const text = await response.text();
        const code = response.status >= 400 ? errorEnvelopeSchema.parse(JSON.parse(text)).error.code : 'ok';
        const refused = response.status === 403 && code === 'insufficient_scope';
        if (refused === declared.includes(kind) || response.status === 401) {
          outcomes.push(`${method} ${path} with ${kind}: ${response.status} ${code}`);
        }
      }
    }
    expect(outcomes).toEqual([]);
  });

  it('webhook secret: an app user’s token is refused with 403 in the envelope; the API key reads it', async () => {
    const asApp = await exports.default.fetch('http://edge.test/v1/webhooks/secret', {
      headers: { authorization: headers.app_token },
    });
    expect(asApp.status).toBe(403);
    const body = errorEnvelopeSchema.parse(await asApp.json());
    expect(body.error.code).toBe('insufficient_scope');
    expect(JSON.stringify(body)).not.toContain('whsec_');
    const asServer = await exports.default.fetch('http://edge.test/v1/webhooks/secret', {
      headers: { authorization: headers.api_key },
    });
    expect(asServer.status).toBe(200);
    expect(((await asServer.json()) as { key: string }).key).toMatch(/^whsec_/);
  });
});
