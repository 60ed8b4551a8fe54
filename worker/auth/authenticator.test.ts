import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { registerTenantCallers } from '../testing/tenant-callers.ts';
import { tenantInput } from '../testing/test-inputs.ts';
import { generateApiKey } from './api-keys.ts';
import { type Authenticator, DirectoryAuthenticator } from './authenticator.ts';
import { loadEdgeKeys } from './edge-keys.ts';

const directory = () => tenantDirectoryOf(env);

/** The authenticator's clock: each test starts at the real time and moves it by hand. */
let clock = Date.now();
let authenticator: Authenticator;

function advance(ms: number): void {
  clock += ms;
}

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
    await authenticator.authenticate(authorization);
    return null;
  } catch (error) {
    if (error instanceof ApiError) return error.code;
    throw error;
  }
}

describe('authenticate: API keys', () => {
  beforeEach(() => {
    clock = Date.now();
    authenticator = new DirectoryAuthenticator({
      edgeKeys: () => loadEdgeKeys(env.EDGE_SIGNING_KEY),
      tenants: directory,
      now: () => clock,
    });
  });

  it('api keys: a stored key authenticates as its tenant, again from the isolate cache', async () => {
    await directory().putTenant(await tenantInput({ id: 'cache-a', app_tokens: undefined }));
    const { key, id } = await storedKey('cache-a');
    for (let call = 0; call < 3; call++) {
      const principal = await authenticator.authenticate(`Bearer ${key}`);
      expect(principal).toMatchObject({ kind: 'tenant', via: 'api_key', subject: id });
      expect(principal.kind === 'tenant' && principal.tenant.id).toBe('cache-a');
    }
  });

  it('api keys: a revocation elsewhere reaches this isolate within the 5 s cache window', async () => {
    await directory().putTenant(await tenantInput({ id: 'cache-b', app_tokens: undefined }));
    const { key, id } = await storedKey('cache-b');
    expect(await refusal(`Bearer ${key}`)).toBeNull();
    await directory().revokeApiKey(id, clock);
    advance(4_000);
    expect(await refusal(`Bearer ${key}`)).toBeNull();
    advance(1_100);
    expect(await refusal(`Bearer ${key}`)).toBe('invalid_credentials');
  });

  it('api keys: an unknown well-formed key is refused every time, cached or not', async () => {
    const { key } = await generateApiKey();
    expect(await refusal(`Bearer ${key}`)).toBe('invalid_credentials');
    expect(await refusal(`Bearer ${key}`)).toBe('invalid_credentials');
  });

  it('api keys: a key minted after a refusal of the same header works once the refusal expires', async () => {
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
    advance(5_100);
    expect(await refusal(`Bearer ${generated.key}`)).toBeNull();
  });
});

describe('authenticate: app tokens', () => {
  async function refusalOf(authenticating: Authenticator, authorization: string) {
    try {
      await authenticating.authenticate(authorization);
      return null;
    } catch (error) {
      if (error instanceof ApiError)
        return { code: error.code, message: error.message, headers: error.headers };
      throw error;
    }
  }

  it('an expired app token is told it expired, so the app gets a new one instead of signing its user out', async () => {
    const callers = await registerTenantCallers(env, 'app-expiry');
    const later = new DirectoryAuthenticator({
      edgeKeys: () => loadEdgeKeys(env.EDGE_SIGNING_KEY),
      tenants: directory,
      // The callers' tokens live 10 minutes.
      now: () => Date.now() + 11 * 60 * 1000,
    });
    expect(await refusalOf(later, await callers.appToken('user-1'))).toMatchObject({
      code: 'invalid_credentials',
      message: expect.stringMatching(/expired/),
    });
  });

  it("an issuer whose jwks_uri cannot be fetched is the edge's failure (502, retry), not the token's", async () => {
    const callers = await registerTenantCallers(env, 'app-keys-down');
    const tenant = await directory().getTenant('app-keys-down');
    const appTokens = tenant?.app_tokens;
    if (!appTokens) throw new Error('the tenant has no app tokens');
    const { jwks: _jwks, ...rest } = appTokens;
    const put = await directory().putTenant({
      id: 'app-keys-down',
      app_tokens: { ...rest, jwks_uri: 'https://id.example/jwks.json' },
    });
    expect(put.ok).toBe(true);
    const unreachable = new DirectoryAuthenticator({
      edgeKeys: () => loadEdgeKeys(env.EDGE_SIGNING_KEY),
      tenants: directory,
      now: Date.now,
      fetch: async () => {
        throw new TypeError('network down');
      },
    });
    expect(await refusalOf(unreachable, await callers.appToken('user-1'))).toMatchObject({
      code: 'upstream_failed',
      headers: { 'retry-after': '5' },
    });
  });
});
