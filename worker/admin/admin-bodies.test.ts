import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, tenantRecordSchema } from '../../shared/index.ts';
import { operatorAuthorization } from '../testing/tenant-callers.ts';
import { tenantInput } from '../testing/test-inputs.ts';

async function call(method: string, path: string, body: object) {
  return exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers: { authorization: await operatorAuthorization(env), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function refusal(response: Response) {
  return { status: response.status, error: errorEnvelopeSchema.parse(await response.json()).error };
}

describe('admin bodies', () => {
  it('a misspelt field is refused, not saved as a record without the setting meant', async () => {
    const provider = await call('POST', '/v1/admin/providers', {
      id: 'typo-provider',
      name: 'T',
      protocol: 'openai-compatible',
      credential: { api_key: 'sk-x' },
    });
    const refused = await refusal(provider);
    expect(refused).toMatchObject({ status: 400, error: { code: 'invalid_request' } });
    expect(refused.error.message).toMatch(/credential/);
    const tenant = await call('POST', '/v1/admin/tenants', { id: 'typo-tenant', name: 'T', tierr: 'paid' });
    expect(await refusal(tenant)).toMatchObject({ status: 400 });
    const key = await call('POST', '/v1/admin/keys', { tenant_id: 'typo-tenant', nmae: 'ci' });
    expect((await refusal(key)).status).toBe(400);
  });

  it("a tenant update keeps what it leaves out: a tier change never drops the app's tokens", async () => {
    const registered = await tenantInput({ id: 'mobile-co' });
    expect((await call('POST', '/v1/admin/tenants', registered)).status).toBe(201);
    const promoted = await call('POST', '/v1/admin/tenants', { id: 'mobile-co', tier: 'enterprise' });
    expect(promoted.status).toBe(201);
    const record = tenantRecordSchema.parse(await promoted.json());
    expect(record).toMatchObject({ ...registered, tier: 'enterprise' });
    expect(record.app_tokens?.issuer).toBe(registered.app_tokens?.issuer);

    const newcomer = await call('POST', '/v1/admin/tenants', { id: 'newcomer-co', name: 'New' });
    expect(await refusal(newcomer)).toMatchObject({
      status: 400,
      error: { code: 'invalid_request', param: 'tier' },
    });
  });
});
