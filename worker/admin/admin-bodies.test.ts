import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, tenantRecordSchema } from '../../shared/index.ts';
import { operatorAuthorization } from '../testing/tenant-callers.ts';
import { tenantInput } from '../testing/test-inputs.ts';

async function call(method: string, path: string, body?: object) {
  return exports.default.fetch(`http://edge.test${path}`, {
    method,
    headers: { authorization: await operatorAuthorization(env), 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
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

  it('a deleted tenant: its keys stop at once, it reads as 404, and its id is not given out again', async () => {
    expect(
      (await call('POST', '/v1/admin/tenants', { id: 'leaving-co', name: 'L', tier: 'paid' })).status,
    ).toBe(201);
    const minted = await call('POST', '/v1/admin/keys', { tenant_id: 'leaving-co', name: 'app' });
    const { key } = (await minted.json()) as { key: string };
    const models = () =>
      exports.default.fetch('http://edge.test/v1/models', { headers: { authorization: `Bearer ${key}` } });
    expect((await models()).status).toBe(200);
    expect((await call('GET', '/v1/admin/tenants/leaving-co')).status).toBe(200);

    expect((await call('DELETE', '/v1/admin/tenants/leaving-co')).status).toBe(204);
    expect((await models()).status).toBe(401);
    expect(await refusal(await call('GET', '/v1/admin/tenants/leaving-co'))).toMatchObject({
      status: 404,
      error: { code: 'not_found' },
    });
    const listed = (await (await call('GET', '/v1/admin/tenants')).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((tenant) => tenant.id)).not.toContain('leaving-co');
    expect(
      await refusal(await call('POST', '/v1/admin/tenants', { id: 'leaving-co', name: 'L', tier: 'free' })),
    ).toMatchObject({ status: 409, error: { code: 'resource_conflict', param: 'id' } });
    expect((await call('DELETE', '/v1/admin/tenants/leaving-co')).status).toBe(404);
  });
});
