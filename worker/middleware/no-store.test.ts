import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { operatorAuthorization, registerTenantCallers } from '../testing/tenant-callers.ts';

async function fetchWith(authorization: string, method: string, path: string, body?: object) {
  return exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('no-store on answers that carry secrets', () => {
  it('a minted key, an operator token and the webhook secrets are never stored by a cache; public routes keep theirs', async () => {
    const operator = await operatorAuthorization(env);
    const tenant = await registerTenantCallers(env, `nostore-${crypto.randomUUID().slice(0, 8)}`);
    const answers = [
      await fetchWith(operator, 'POST', '/v1/admin/keys', { tenant_id: tenant.tenantId, name: 'ci' }),
      await fetchWith(operator, 'POST', '/v1/admin/tokens', { ttl_seconds: 60 }),
      await fetchWith(operator, 'GET', '/v1/admin/providers'),
      await fetchWith(tenant.apiKey, 'GET', '/v1/webhooks/secret'),
      await fetchWith(tenant.apiKey, 'POST', '/v1/webhooks/secret/rotate'),
      // A refusal too: its body may echo what was asked.
      await fetchWith('Bearer nope', 'GET', '/v1/admin/providers'),
    ];
    for (const answer of answers) {
      expect([answer.url, answer.status < 500, answer.headers.get('cache-control')]).toEqual([
        answer.url,
        true,
        'no-store',
      ]);
    }
    const models = await fetchWith(tenant.apiKey, 'GET', '/v1/models');
    expect(models.headers.get('cache-control')).not.toBe('no-store');
  });
});
