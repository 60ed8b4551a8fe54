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
/**
 * NUL, another control character, a right-to-left override, a bidi isolate, a right-to-left mark,
 * a line separator, a zero-width space and a BOM.
 */
const unsafe = [
  'us\u0000',
  'us\u001b[31m',
  'us\u202Ecba',
  'us\u2066x\u2069',
  'us\u200F',
  'us\u2028x',
  'u\u200Bs',
  '\uFEFFus',
  'us\u180E',
  'us\uFFF9x',
  'us\u{E0041}',
  '\u3164us',
  'u\u034Fs',
];

describe('admin: names that identify (region, models, key names)', () => {
  it('pools: control characters and bidi overrides are refused in region and models', async () => {
    await post('/v1/admin/providers', { id: 'names-co', name: 'Names', protocol: 'openai-compatible' });
    for (const text of unsafe) {
      const region = await refusalOf(await post('/v1/admin/pools', { ...pool, region: text }));
      expect([text, region]).toMatchObject([text, { status: 400, error: { code: 'invalid_request' } }]);
      expect(region.error.message).toMatch(/region.*control characters, bidirectional overrides/);
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
    // Allow-lists are bounded: routing checks every candidate against them.
    const many = Array.from({ length: 257 }, (_, index) => `r${index}`);
    for (const field of ['allowed_regions', 'allowed_providers']) {
      const refused = await refusalOf(await post('/v1/admin/tenants', { ...tenant, [field]: many }));
      expect([field, refused]).toMatchObject([field, { status: 400, error: { code: 'invalid_request' } }]);
    }
    const bounded = await post('/v1/admin/tenants', { ...tenant, allowed_regions: many.slice(0, 256) });
    expect(bounded.status).toBeLessThan(300);
  });

  it('providers and tenants: the names shown to people refuse them too; ZWNJ and ZWJ are kept', async () => {
    for (const text of unsafe) {
      const provider = await refusalOf(
        await post('/v1/admin/providers', { id: 'names-shown', name: text, protocol: 'openai-compatible' }),
      );
      expect([text, provider]).toMatchObject([text, { status: 400, error: { code: 'invalid_request' } }]);
      expect(provider.error.message).toMatch(/name/);
      const tenant = await refusalOf(
        await post('/v1/admin/tenants', { id: 'names-shown', name: text, tier: 'free' }),
      );
      expect([text, tenant]).toMatchObject([text, { status: 400, error: { code: 'invalid_request' } }]);
    }
    // A Persian name with ZWNJ, and a family emoji joined by ZWJ.
    const persian = 'می\u200Cخواهم';
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467} Labs';
    const provider = await post('/v1/admin/providers', {
      id: 'names-shown',
      name: family,
      protocol: 'openai-compatible',
    });
    expect(provider.status).toBeLessThan(300);
    expect(((await provider.json()) as { name: string }).name).toBe(family);
    const tenant = await post('/v1/admin/tenants', { id: 'names-shown', name: persian, tier: 'free' });
    expect(tenant.status).toBe(201);
    expect(((await tenant.json()) as { name: string }).name).toBe(persian);
  });
});
