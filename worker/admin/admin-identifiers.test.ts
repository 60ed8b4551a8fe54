import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { poolInputSchema } from '../../shared/index.ts';
import { operatorPost, refusalOf } from '../testing/admin-calls.ts';

const post = (path: string, body: object) => operatorPost(env, path, body);

const pool = {
  id: 'names-1',
  provider_id: 'names-co',
  url: 'https://api.names.example/v1',
  region: 'us',
  models: ['gpt-image-1'],
  capacity: 4,
};
/** NUL, another control character, a right-to-left override and a bidi isolate. */
const unsafe = ['us\u0000', 'us\u001b[31m', 'us\u202Ecba', 'us\u2066x\u2069'];

describe('admin: names that identify (region, models, key names)', () => {
  it('pools: control characters and bidi overrides are refused in region and models', async () => {
    await post('/v1/admin/providers', { id: 'names-co', name: 'Names', protocol: 'openai-compatible' });
    for (const text of unsafe) {
      const region = await refusalOf(await post('/v1/admin/pools', { ...pool, region: text }));
      expect([text, region]).toMatchObject([text, { status: 400, error: { code: 'invalid_request' } }]);
      expect(region.error.message).toMatch(/region.*control characters or bidirectional overrides/);
      const model = await refusalOf(await post('/v1/admin/pools', { ...pool, models: ['ok', text] }));
      expect([text, model]).toMatchObject([text, { status: 400, error: { code: 'invalid_request' } }]);
      expect(model.error.message).toMatch(/models/);
    }
    // Otherwise valid (not registered here: the registry would probe a host that does not resolve).
    expect(poolInputSchema.safeParse({ ...pool, models: ['gpt-image-1', 'sdxl 1.0 ✓'] }).success).toBe(true);
  });

  it('pools: a model listed twice is refused', async () => {
    const twice = await refusalOf(
      await post('/v1/admin/pools', { ...pool, id: 'names-2', models: ['sdxl', 'flux', 'sdxl'] }),
    );
    expect(twice).toMatchObject({ status: 400, error: { code: 'invalid_request' } });
    expect(twice.error.message).toMatch(/models.*twice/);
  });

  it('tenants and keys: allowed regions and key names refuse them too', async () => {
    const tenant = { id: 'names-tenant', name: 'N', tier: 'paid' };
    const regions = await refusalOf(
      await post('/v1/admin/tenants', { ...tenant, allowed_regions: ['eu\u202E'] }),
    );
    expect(regions).toMatchObject({ status: 400, error: { code: 'invalid_request' } });
    expect((await post('/v1/admin/tenants', tenant)).status).toBe(201);
    for (const text of unsafe) {
      const key = await refusalOf(await post('/v1/admin/keys', { tenant_id: 'names-tenant', name: text }));
      expect([text, key]).toMatchObject([text, { status: 400, error: { code: 'invalid_request' } }]);
    }
    expect((await post('/v1/admin/keys', { tenant_id: 'names-tenant', name: 'ci ✓ 日本' })).status).toBe(201);
  });
});
