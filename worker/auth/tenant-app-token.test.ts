import { type CryptoKey, exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantSettingsSchema } from '../../shared/index.ts';
import type { TenantRecord } from '../tenants/tenant-records.ts';
import { craftToken, nowSeconds } from '../testing/test-tokens.ts';
import { RemoteJwks } from './remote-jwks.ts';
import { verifyTenantAppToken as verifyWith } from './tenant-app-token.ts';

/** Verifies with the real clock and a key-set cache of its own (these tenants register keys inline). */
const verifyTenantAppToken = (token: string, lookup: Parameters<typeof verifyWith>[1]) =>
  verifyWith(token, lookup, Date.now, new RemoteJwks(fetch, Date.now));

const issuer = 'https://auth.acme.example';
const audience = 'spillway:acme';

let es256: { privateKey: CryptoKey; publicJwk: JWK };
let ed25519: { privateKey: CryptoKey; publicJwk: JWK };
let rs256: { privateKey: CryptoKey; publicJwk: JWK };
let tenant: TenantRecord;

beforeAll(async () => {
  const [es, ed, rs] = await Promise.all([
    generateKeyPair('ES256', { extractable: true }),
    generateKeyPair('EdDSA', { extractable: true }),
    generateKeyPair('RS256', { extractable: true, modulusLength: 2048 }),
  ]);
  es256 = { privateKey: es.privateKey, publicJwk: { ...(await exportJWK(es.publicKey)), kid: 'k1' } };
  ed25519 = { privateKey: ed.privateKey, publicJwk: { ...(await exportJWK(ed.publicKey)), kid: 'k2' } };
  // As identity providers publish RS256 keys (Auth0, Firebase, Cognito): with `use` and `alg`.
  rs256 = {
    privateKey: rs.privateKey,
    publicJwk: { ...(await exportJWK(rs.publicKey)), kid: 'k3', use: 'sig', alg: 'RS256' },
  };
  // Parsed with the admin API schema, so the JWKS is one the API would have stored.
  const input = tenantSettingsSchema.parse({
    id: 'acme',
    name: 'Acme',
    tier: 'paid',
    app_tokens: { issuer, audience, jwks: { keys: [es256.publicJwk, ed25519.publicJwk, rs256.publicJwk] } },
  });
  tenant = { ...input, created_at: 0 };
});

const lookup = async (iss: string) => (iss === issuer ? tenant : null);

function claims(overrides: JWTPayload = {}): JWTPayload {
  const iat = nowSeconds();
  return { iss: issuer, sub: 'user-42', aud: audience, iat, exp: iat + 600, ...overrides };
}

function sign(
  payload: JWTPayload,
  kid = 'k1',
  key: CryptoKey = es256.privateKey,
  alg = 'ES256',
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', kid }).sign(key);
}

describe('verifyTenantAppToken', () => {
  it('accepts a token whose kid is in the tenant JWKS (ES256, EdDSA and RS256)', async () => {
    expect(await verifyTenantAppToken(await sign(claims()), lookup)).toEqual({
      ok: true,
      tenant,
      subject: 'user-42',
    });
    const edToken = await sign(claims({ sub: 'user-7' }), 'k2', ed25519.privateKey, 'EdDSA');
    expect(await verifyTenantAppToken(edToken, lookup)).toEqual({ ok: true, tenant, subject: 'user-7' });
    const rsToken = await sign(claims({ sub: 'user-9' }), 'k3', rs256.privateKey, 'RS256');
    expect(await verifyTenantAppToken(rsToken, lookup)).toEqual({ ok: true, tenant, subject: 'user-9' });
  });

  it('refuses an issuer no tenant registered, and a tenant without app tokens', async () => {
    const token = await sign(claims({ iss: 'https://evil.example' }));
    expect(await verifyTenantAppToken(token, lookup)).toEqual({ ok: false, reason: 'unknown_issuer' });
    const withoutAppTokens = async () => ({ ...tenant, app_tokens: null });
    expect(await verifyTenantAppToken(await sign(claims()), withoutAppTokens)).toEqual({
      ok: false,
      reason: 'unknown_issuer',
    });
  });

  it('refuses a kid that is not in the JWKS, and a key outside it under a known kid', async () => {
    const stranger = await generateKeyPair('ES256');
    expect(await verifyTenantAppToken(await sign(claims(), 'k9', stranger.privateKey), lookup)).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
    expect(await verifyTenantAppToken(await sign(claims(), 'k1', stranger.privateKey), lookup)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses alg confusion (HS256 signed with the public key as the secret) and alg "none", without a lookup', async () => {
    let lookups = 0;
    const counting = async (iss: string) => {
      lookups++;
      return lookup(iss);
    };
    const encoder = new TextEncoder();
    const tokens = [craftToken({ alg: 'none', typ: 'JWT', kid: 'k1' }, claims())];
    for (const secret of [
      encoder.encode(JSON.stringify(es256.publicJwk)),
      encoder.encode(String(es256.publicJwk.x)),
    ]) {
      tokens.push(
        await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'JWT', kid: 'k1' }).sign(secret),
      );
    }
    for (const token of tokens) {
      expect(await verifyTenantAppToken(token, counting)).toEqual({
        ok: false,
        reason: 'algorithm_not_allowed',
      });
    }
    expect(lookups).toBe(0);
  });

  it('expiry: accepted up to 30 s late, refused beyond', async () => {
    const now = nowSeconds();
    const late = await sign(claims({ iat: now - 600, exp: now - 20 }));
    expect(await verifyTenantAppToken(late, lookup)).toMatchObject({ ok: true });
    const expired = await sign(claims({ iat: now - 600, exp: now - 31 }));
    expect(await verifyTenantAppToken(expired, lookup)).toEqual({ ok: false, reason: 'expired' });
    const noExp = await sign({ iss: issuer, sub: 'user-42', aud: audience, iat: now });
    expect(await verifyTenantAppToken(noExp, lookup)).toEqual({ ok: false, reason: 'missing_claim' });
  });

  it('refuses a token not yet valid (nbf in the future)', async () => {
    const token = await sign(claims({ nbf: nowSeconds() + 60 }));
    expect(await verifyTenantAppToken(token, lookup)).toEqual({ ok: false, reason: 'not_yet_valid' });
  });

  it('refuses a lifetime over 24 h, measured from iat or, without iat, from now', async () => {
    const now = nowSeconds();
    const longLived = await sign(claims({ iat: now, exp: now + 24 * 3600 + 1 }));
    expect(await verifyTenantAppToken(longLived, lookup)).toEqual({ ok: false, reason: 'too_long_lived' });
    const noIat = await sign({ iss: issuer, sub: 'user-42', aud: audience, exp: now + 25 * 3600 });
    expect(await verifyTenantAppToken(noIat, lookup)).toEqual({ ok: false, reason: 'too_long_lived' });
    const fullDay = await sign(claims({ iat: now, exp: now + 24 * 3600 }));
    expect(await verifyTenantAppToken(fullDay, lookup)).toMatchObject({ ok: true });
  });

  it('refuses another audience, another typ, and a token over 8 KiB without a lookup', async () => {
    expect(await verifyTenantAppToken(await sign(claims({ aud: 'spillway:globex' })), lookup)).toEqual({
      ok: false,
      reason: 'wrong_audience',
    });
    const typed = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'ES256', typ: 'spillway-operator+jwt', kid: 'k1' })
      .sign(es256.privateKey);
    expect(await verifyTenantAppToken(typed, lookup)).toEqual({ ok: false, reason: 'wrong_type' });
    let lookups = 0;
    const counting = async (iss: string) => {
      lookups++;
      return lookup(iss);
    };
    const big = await sign(claims({ padding: 'x'.repeat(8 * 1024) }));
    expect(await verifyTenantAppToken(big, counting)).toEqual({ ok: false, reason: 'oversized' });
    expect(lookups).toBe(0);
  });
});
