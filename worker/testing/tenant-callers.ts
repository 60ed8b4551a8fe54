import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { tenantSettingsSchema } from '../../shared/index.ts';
import { generateApiKey, loadEdgeKeys, mintOperatorToken } from '../auth/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';

/** Real credentials of one tenant, stored in the tenant directory of `env`. */
export interface TenantCallers {
  readonly tenantId: string;
  /** `Authorization` header value of an API key (a tenant server). */
  readonly apiKey: string;
  /** `Authorization` header value of an app JWT for the app user `sub`. */
  appToken(sub: string): Promise<string>;
}

/**
 * Registers a tenant whose apps sign tokens with a fresh key, and mints it an API key, through the
 * tenant directory itself, so the Worker authenticates them as it would in production.
 */
export async function registerTenantCallers(env: Env, tenantId: string): Promise<TenantCallers> {
  const pair = await generateKeyPair('EdDSA', { extractable: true });
  const issuer = `https://auth.${tenantId}.example`;
  const audience = `spillway:${tenantId}`;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: `${tenantId}-1`, alg: 'EdDSA' };
  const tenant = tenantSettingsSchema.parse({
    id: tenantId,
    name: tenantId,
    tier: 'paid',
    app_tokens: { issuer, audience, jwks: { keys: [jwk] } },
  });
  const directory = tenantDirectoryOf(env);
  const stored = await directory.putTenant(tenant);
  if (!stored.ok) throw new Error(`tenant ${tenantId} not stored: ${stored.reason}`);
  const key = await generateApiKey();
  const keyStored = await directory.storeApiKey({
    id: key.id,
    tenant_id: tenantId,
    name: 'test',
    prefix: key.prefix,
    hash: key.hash,
    created_at: Date.now(),
  });
  if (!keyStored.ok) throw new Error(`key for ${tenantId} not stored`);
  return {
    tenantId,
    apiKey: `Bearer ${key.key}`,
    appToken: async (sub) =>
      `Bearer ${await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: jwk.kid })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(sub)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(pair.privateKey)}`,
  };
}

/** `Authorization` header value of an operator token signed by the edge key of `env`. */
export async function operatorAuthorization(env: Env, ttlSeconds = 600): Promise<string> {
  const { token } = await mintOperatorToken(await loadEdgeKeys(env.EDGE_SIGNING_KEY), 'ops@test', ttlSeconds);
  return `Bearer ${token}`;
}
