import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/index.ts';
import { generateApiKey } from '../auth/index.ts';
import { tenantInput } from '../objects/test-inputs.ts';
import { authenticate, forgetCachedCredentials } from './authenticate.ts';

const directory = () => env.TENANTS.getByName('tenants');

async function storedKey(tenantId: string): Promise<{ key: string; id: string }> {
  const generated = await generateApiKey();
  const stored = await directory().storeApiKey({
    id: generated.id,
    tenant_id: tenantId,
    name: 'test',
    prefix: generated.prefix,
    hash: generated.hash,
    created_at: Date.now(),
  });
  expect(stored.ok).toBe(true);
  return { key: generated.key, id: generated.id };
}

async function refusal(authorization: string): Promise<string | null> {
  try {
    await authenticate(env, authorization);
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('authenticate: API keys', () => {
  afterEach(() => {
    vi.useRealTimers();
    forgetCachedCredentials();
  });

  it('api keys: a stored key authenticates as its tenant, again from the isolate cache', async () => {
    await directory().putTenant(await tenantInput({ id: 'cache-a', app_tokens: undefined }));
    const { key, id } = await storedKey('cache-a');
    for (let call = 0; call < 3; call++) {
      const principal = await authenticate(env, `Bearer ${key}`);
      expect(principal).toMatchObject({ kind: 'tenant', via: 'api_key', subject: id });
      expect(principal.kind === 'tenant' && principal.tenant.id).toBe('cache-a');
    }
  });

  it('api keys: a revocation elsewhere reaches this isolate within the 5 s cache window', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await directory().putTenant(await tenantInput({ id: 'cache-b', app_tokens: undefined }));
    const { key, id } = await storedKey('cache-b');
    expect(await refusal(`Bearer ${key}`)).toBeNull();
    await directory().revokeApiKey(id, Date.now());
    vi.advanceTimersByTime(4_000);
    expect(await refusal(`Bearer ${key}`)).toBeNull();
    vi.advanceTimersByTime(1_100);
    expect(await refusal(`Bearer ${key}`)).toBe('invalid_credentials');
  });

  it('api keys: an unknown well-formed key is refused every time, cached or not', async () => {
    const { key } = await generateApiKey();
    expect(await refusal(`Bearer ${key}`)).toBe('invalid_credentials');
    expect(await refusal(`Bearer ${key}`)).toBe('invalid_credentials');
  });

  it('api keys: a key minted after a refusal of the same header works once the refusal expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    await directory().putTenant(await tenantInput({ id: 'cache-c', app_tokens: undefined }));
    const generated = await generateApiKey();
    expect(await refusal(`Bearer ${generated.key}`)).toBe('invalid_credentials');
    await directory().storeApiKey({
      id: generated.id,
      tenant_id: 'cache-c',
      name: 'late',
      prefix: generated.prefix,
      hash: generated.hash,
      created_at: Date.now(),
    });
    vi.advanceTimersByTime(5_100);
    expect(await refusal(`Bearer ${generated.key}`)).toBeNull();
  });
});
