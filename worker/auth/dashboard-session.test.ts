import { env } from 'cloudflare:workers';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  clearedSessionCookie,
  DASHBOARD_SESSION_COOKIE,
  MAX_DASHBOARD_SESSION_S,
  mintDashboardSession,
  sessionCookie,
  sessionCookieValue,
  verifyDashboardSession,
} from './dashboard-session.ts';
import { loadEdgeKeys } from './edge-keys.ts';
import { mintOperatorToken, verifyOperatorToken } from './operator-token.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const operator = (expiresIn: number) => ({
  subject: 'ops@test',
  tokenId: 'token-1',
  expiresAt: nowSeconds() + expiresIn,
});

describe('dashboard session tokens', () => {
  it('session: carries the operator token’s subject and id, and never outlives it or 12 hours', async () => {
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
    const short = await mintDashboardSession(keys, operator(90));
    expect(short?.maxAgeSeconds).toBeLessThanOrEqual(90);
    const verified = await verifyDashboardSession(short?.value ?? '', keys);
    expect(verified).toEqual({
      ok: true,
      claims: { sub: 'ops@test', token_id: 'token-1', exp: short?.expiresAt, lineage: [] },
    });
    const long = await mintDashboardSession(keys, operator(24 * 3600));
    expect(long?.maxAgeSeconds).toBe(MAX_DASHBOARD_SESSION_S);
    expect(await mintDashboardSession(keys, operator(0))).toBeNull();
  });

  it('session: refused once expired, under another key, or as an operator token (and the reverse)', async () => {
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
    const session = await mintDashboardSession(keys, operator(60));
    const later = () => Date.now() + 61_000;
    expect(await verifyDashboardSession(session?.value ?? '', keys, later)).toEqual({
      ok: false,
      reason: 'expired',
    });

    const { privateKey } = await generateKeyPair('EdDSA', { extractable: true });
    const foreign = await exportJWK(privateKey);
    const otherKid = await loadEdgeKeys(JSON.stringify({ ...foreign, kid: 'other' }));
    const sameKid = await loadEdgeKeys(JSON.stringify({ ...foreign, kid: keys.kid }));
    expect(await verifyDashboardSession(session?.value ?? '', otherKid)).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
    expect(await verifyDashboardSession(session?.value ?? '', sameKid)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });

    const token = await mintOperatorToken(keys, 'ops@test', 600);
    expect((await verifyDashboardSession(token.token, keys)).ok).toBe(false);
    expect((await verifyOperatorToken(session?.value ?? '', keys)).ok).toBe(false);
    expect(await verifyDashboardSession('x'.repeat(5000), keys)).toEqual({ ok: false, reason: 'oversized' });
  });

  it('cookie: set with every attribute, cleared with Max-Age=0, read among other cookies', () => {
    expect(sessionCookie('abc', 60)).toBe(
      `${DASHBOARD_SESSION_COOKIE}=abc; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Strict`,
    );
    expect(clearedSessionCookie()).toContain('Max-Age=0');
    expect(sessionCookieValue(`a=1; ${DASHBOARD_SESSION_COOKIE}=abc.def.ghi; b=2`)).toBe('abc.def.ghi');
    expect(sessionCookieValue('spillway_dash=abc')).toBeUndefined();
    expect(sessionCookieValue(`${DASHBOARD_SESSION_COOKIE}=`)).toBeUndefined();
    expect(sessionCookieValue(undefined)).toBeUndefined();
  });
});
