import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { mintedKey, tenantInput } from '../testing/test-inputs.ts';
import { publicApiKey } from './public-api-key.ts';
import type { NewApiKey } from './tenant-types.ts';

/** A directory of its own per test: storage is shared by every test in this file. */
function freshDirectory() {
  return env.TENANTS.getByName(`tenants-test-${crypto.randomUUID()}`);
}

async function directoryWithTenant() {
  const directory = freshDirectory();
  const input = await tenantInput();
  const put = await directory.putTenant(input);
  if (!put.ok) throw new Error(`putTenant refused: ${put.reason}`);
  return { directory, input, tenant: put.tenant };
}

async function newKey(overrides: Partial<NewApiKey> = {}): Promise<{ key: string; record: NewApiKey }> {
  const { key, hash } = await mintedKey();
  const record = {
    id: `key_${crypto.randomUUID()}`,
    tenant_id: 'acme',
    name: 'default',
    prefix: key.slice(0, 12),
  };
  return { key, record: { ...record, hash, created_at: 1_800_000_000_000, ...overrides } };
}

describe('tenant directory', () => {
  it('tenant directory: stores, reads and lists tenants, and an update keeps created_at', async () => {
    const { directory, input, tenant } = await directoryWithTenant();
    expect(tenant).toMatchObject({ ...input, allowed_providers: [] });
    expect(tenant.app_tokens?.jwks?.keys[0]).toMatchObject({ kty: 'OKP', kid: 'acme-1', alg: 'EdDSA' });
    expect(await directory.getTenant('acme')).toEqual(tenant);
    expect(await directory.getTenant('nobody')).toBeNull();
    const other = await directory.putTenant(
      await tenantInput({ id: 'beta', tier: 'free', app_tokens: null }),
    );
    const updated = await directory.putTenant({ ...input, tier: 'enterprise' });
    expect(updated).toMatchObject({
      ok: true,
      tenant: { tier: 'enterprise', created_at: tenant.created_at },
    });
    const listed = await directory.listTenants();
    expect(listed.map((record) => record.id)).toEqual(['acme', 'beta']);
    expect(other).toMatchObject({ ok: true, tenant: { app_tokens: null } });
  });

  it('tenant directory: an update keeps what it leaves out; null app tokens removes them', async () => {
    const { directory, tenant } = await directoryWithTenant();
    // Only the tier: the app tokens and allow-lists a mobile app depends on stay.
    const promoted = await directory.putTenant({ id: 'acme', tier: 'enterprise' });
    expect(promoted).toEqual({ ok: true, tenant: { ...tenant, tier: 'enterprise' } });
    expect((await directory.findTenantByIssuer('https://auth.acme.example'))?.tier).toBe('enterprise');
    const cleared = await directory.putTenant({ id: 'acme', app_tokens: null, allowed_regions: [] });
    expect(cleared).toMatchObject({
      ok: true,
      tenant: { name: tenant.name, app_tokens: null, allowed_regions: [] },
    });
    expect(await directory.findTenantByIssuer('https://auth.acme.example')).toBeNull();
    expect(await directory.putTenant({ id: 'newcomer', name: 'New' })).toEqual({
      ok: false,
      reason: 'missing_field',
      field: 'tier',
    });
    expect(await directory.getTenant('newcomer')).toBeNull();
  });

  it('tenant directory: finds a tenant by the issuer of its app tokens', async () => {
    const { directory, input, tenant } = await directoryWithTenant();
    await directory.putTenant(await tenantInput({ id: 'beta', app_tokens: null }));
    expect(await directory.findTenantByIssuer('https://auth.acme.example')).toEqual(tenant);
    expect(await directory.findTenantByIssuer('https://auth.acme.example/')).toBeNull();
    expect(await directory.findTenantByIssuer('https://evil.example')).toBeNull();
    const moved =
      input.app_tokens === null ? null : { ...input.app_tokens, issuer: 'https://id.acme.example' };
    await directory.putTenant({ ...input, app_tokens: moved });
    expect(await directory.findTenantByIssuer('https://auth.acme.example')).toBeNull();
    expect((await directory.findTenantByIssuer('https://id.acme.example'))?.id).toBe('acme');
  });

  it("tenant directory: a tenant cannot take another tenant's issuer", async () => {
    const { directory, input } = await directoryWithTenant();
    const impostor = await tenantInput({ id: 'impostor', app_tokens: input.app_tokens });
    expect(await directory.putTenant(impostor)).toEqual({ ok: false, reason: 'issuer_taken' });
    expect(await directory.getTenant('impostor')).toBeNull();
    expect((await directory.putTenant({ ...input, name: 'Acme' })).ok).toBe(true);
  });

  it('tenant directory: a key for an unknown tenant is refused', async () => {
    const directory = freshDirectory();
    const { record } = await newKey({ tenant_id: 'nobody' });
    expect(await directory.storeApiKey(record)).toEqual({ ok: false, reason: 'unknown_tenant' });
    expect(await directory.lookupApiKey(record.hash)).toBeNull();
  });

  it('tenant directory: a stored key is found by its digest together with its tenant', async () => {
    const { directory, tenant } = await directoryWithTenant();
    const { key, record } = await newKey();
    expect(await directory.storeApiKey(record)).toEqual({ ok: true });
    const match = await directory.lookupApiKey(record.hash);
    expect(match).toEqual({ key: { ...record, revoked_at: null }, tenant });
    expect(JSON.stringify(match)).not.toContain(key);
    expect(await directory.lookupApiKey((await mintedKey()).hash)).toBeNull();
  });

  it('tenant directory: a revoked key no longer looks up, and revoking again keeps the first time', async () => {
    const { directory } = await directoryWithTenant();
    const { record } = await newKey();
    await directory.storeApiKey(record);
    expect(await directory.revokeApiKey(record.id, 1_800_000_000_500)).toEqual({ ok: true });
    expect(await directory.lookupApiKey(record.hash)).toBeNull();
    expect(await directory.revokeApiKey(record.id, 1_800_000_000_900)).toEqual({ ok: true });
    const [listed] = await directory.listApiKeys('acme');
    expect(listed?.revoked_at).toBe(1_800_000_000_500);
    expect(await directory.revokeApiKey('key_missing', 1)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('tenant directory: a deleted tenant is gone, its keys revoked, its issuer free and its id not reused', async () => {
    const { directory, input } = await directoryWithTenant();
    const issuer = input.app_tokens?.issuer ?? '';
    const { record } = await newKey();
    await directory.storeApiKey(record);
    const revokedBefore = await newKey();
    await directory.storeApiKey(revokedBefore.record);
    await directory.revokeApiKey(revokedBefore.record.id, 1_800_000_000_100);
    expect(await directory.deleteTenant('acme', 1_800_000_000_500)).toEqual({ ok: true, revokedKeys: 1 });
    expect(await directory.getTenant('acme')).toBeNull();
    expect(await directory.listTenants()).toEqual([]);
    expect(await directory.lookupApiKey(record.hash)).toBeNull();
    expect(await directory.findTenantByIssuer(issuer)).toBeNull();
    // Revocation times stay as they were; the deletion's is on the keys it revoked.
    const revokedAt = (await directory.listApiKeys('acme')).map((key) => key.revoked_at).sort();
    expect(revokedAt).toEqual([1_800_000_000_100, 1_800_000_000_500]);
    expect((await directory.storeApiKey((await newKey()).record)).ok).toBe(false);
    expect(await directory.putTenant(await tenantInput())).toEqual({ ok: false, reason: 'deleted' });
    // Another tenant may take the released issuer.
    const other = await directory.putTenant(await tenantInput({ id: 'beta' }));
    expect(other.ok && other.tenant.app_tokens?.issuer).toBe(issuer);
    expect(await directory.deleteTenant('acme', 1)).toEqual({ ok: false, reason: 'not_found' });
    expect(await directory.deleteTenant('nobody', 1)).toEqual({ ok: false, reason: 'not_found' });
  });

  it("tenant directory: lists a tenant's keys, revoked ones included, and the public form drops the digest", async () => {
    const { directory } = await directoryWithTenant();
    await directory.putTenant(await tenantInput({ id: 'beta', app_tokens: null }));
    const first = await newKey({ created_at: 1 });
    const second = await newKey({ created_at: 2, name: 'ci' });
    const foreign = await newKey({ tenant_id: 'beta' });
    for (const { record } of [second, first, foreign]) await directory.storeApiKey(record);
    await directory.revokeApiKey(first.record.id, 3);
    const keys = await directory.listApiKeys('acme');
    expect(keys.map((key) => [key.id, key.revoked_at])).toEqual([
      [first.record.id, 3],
      [second.record.id, null],
    ]);
    const [shown] = keys.map(publicApiKey);
    expect(shown).toEqual({ ...first.record, hash: undefined, revoked_at: 3 });
    expect(shown).not.toHaveProperty('hash');
    expect(await directory.listApiKeys('nobody')).toEqual([]);
  });

  it('tenant directory: a digest that is not lower-case hex SHA-256 is refused', async () => {
    const { directory } = await directoryWithTenant();
    const { key, record } = await newKey();
    await runInDurableObject(directory, async (instance) => {
      // On the instance: a rejecting RPC through a stub leaks an unhandled rejection in
      // vitest-pool-workers (cloudflare/workers-sdk#14736).
      await expect(instance.storeApiKey({ ...record, hash: key })).rejects.toThrow(/SHA-256/);
      await expect(instance.storeApiKey({ ...record, hash: record.hash.toUpperCase() })).rejects.toThrow();
    });
    expect(await directory.listApiKeys('acme')).toEqual([]);
  });

  it('tenant directory: state survives eviction and the lookups are indexed', async () => {
    const { directory, tenant } = await directoryWithTenant();
    const { record } = await newKey();
    await directory.storeApiKey(record);
    await evictDurableObject(directory);
    expect(await directory.lookupApiKey(record.hash)).toMatchObject({ tenant: { id: tenant.id } });
    expect(await directory.findTenantByIssuer('https://auth.acme.example')).toEqual(tenant);
    const plans = await runInDurableObject(directory, (_instance, state) => ({
      byHash: state.storage.sql
        .exec('EXPLAIN QUERY PLAN SELECT * FROM api_keys WHERE hash = ?', 'x')
        .toArray(),
      byIssuer: state.storage.sql
        .exec('EXPLAIN QUERY PLAN SELECT * FROM tenants WHERE issuer = ?', 'x')
        .toArray(),
    }));
    expect(JSON.stringify(plans.byHash)).toContain('api_keys_by_hash');
    expect(JSON.stringify(plans.byIssuer)).toContain('tenants_by_issuer');
  });
});
