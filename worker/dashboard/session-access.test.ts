import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, listOf, poolListingSchema } from '../../shared/index.ts';
import { mintDashboardSession } from '../auth/dashboard-session.ts';
import { loadEdgeKeys, mintOperatorToken } from '../auth/index.ts';
import { operatorAuthorization } from '../testing/tenant-callers.ts';
import {
  bearerToken,
  callEdge,
  cookieOf,
  EDGE_ORIGIN,
  sessionFrom,
  signIn,
} from './testing/dashboard-client.ts';

async function signedInSession(): Promise<string> {
  return sessionFrom(await signIn(bearerToken(await operatorAuthorization(env))));
}

async function code(response: Response): Promise<string> {
  return errorEnvelopeSchema.parse(await response.json()).error.code;
}

describe('dashboard session on the admin API', () => {
  it('session: the cookie reads GET /v1/admin/* (pools listed with health)', async () => {
    const session = await signedInSession();
    const pools = await callEdge('/v1/admin/pools', { headers: cookieOf(session) });
    expect(pools.status).toBe(200);
    const listing = listOf(poolListingSchema).parse(await pools.json());
    for (const pool of listing.data) expect(pool.health).toBeDefined();
    expect((await callEdge('/v1/admin/providers', { headers: cookieOf(session) })).status).toBe(200);
  });

  it('session: the cookie never authorizes a mutation', async () => {
    const session = await signedInSession();
    const json = { ...cookieOf(session), origin: EDGE_ORIGIN, 'content-type': 'application/json' };
    const mutations: Array<[string, string, object?]> = [
      ['POST', '/v1/admin/providers', { id: 'via-cookie', name: 'x', protocol: 'gpu-node' }],
      ['DELETE', '/v1/admin/pools/any-pool'],
      ['POST', '/v1/admin/pools/any-pool/drain'],
      ['DELETE', '/v1/admin/pools/any-pool/drain'],
      ['POST', '/v1/admin/tokens', { ttl_seconds: 60 }],
      ['POST', '/v1/admin/tenants', { id: 'via-cookie', name: 'x', tier: 'free' }],
    ];
    for (const [method, path, body] of mutations) {
      const response = await callEdge(path, {
        method,
        headers: json,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      expect([method, path, response.status, await code(response)]).toEqual([
        method,
        path,
        401,
        'missing_credentials',
      ]);
    }
  });

  it('session: a forged, re-signed, expired or token-shaped cookie is refused', async () => {
    const session = await signedInSession();
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
    const [header = '', payload = '', signature = ''] = session.split('.');
    const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    const widened = btoa(JSON.stringify({ ...claims, sub: 'someone-else' }))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const expired = await mintDashboardSession(
      keys,
      { subject: 'ops@test', tokenId: crypto.randomUUID(), expiresAt: Math.floor(Date.now() / 1000) - 60 },
      () => Date.now() - 3_600_000,
    );
    const operatorToken = await mintOperatorToken(keys, 'ops@test', 600);
    const forgeries = [
      `${header}.${widened}.${signature}`,
      // The first character changed: always other bytes (a changed tail can decode the same).
      `${header}.${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`,
      `${header}.${payload}.`,
      expired?.value ?? 'none',
      // An operator token is not a session: a stolen bearer token cannot be planted as a cookie.
      operatorToken.token,
      'garbage',
    ];
    for (const forged of forgeries) {
      const response = await callEdge('/v1/admin/pools', { headers: cookieOf(forged) });
      expect([forged, response.status, await code(response)]).toEqual([forged, 401, 'invalid_credentials']);
    }
  });

  it('session: revoking the operator token ends its session, and the page asks to sign in again', async () => {
    const root = await operatorAuthorization(env);
    const minted = (await (
      await callEdge('/v1/admin/tokens', {
        method: 'POST',
        headers: { authorization: root, 'content-type': 'application/json' },
        body: JSON.stringify({ subject: 'short@test', ttl_seconds: 300 }),
      })
    ).json()) as { token: string; jti: string };
    const session = sessionFrom(await signIn(minted.token));
    expect((await callEdge('/v1/admin/pools', { headers: cookieOf(session) })).status).toBe(200);
    const page = await (await callEdge('/dashboard', { headers: cookieOf(session) })).text();
    expect(page).toContain('short@test');

    await callEdge(`/v1/admin/tokens/${minted.jti}`, { method: 'DELETE', headers: { authorization: root } });
    const refused = await callEdge('/v1/admin/pools', { headers: cookieOf(session) });
    expect([refused.status, await code(refused)]).toEqual([401, 'invalid_credentials']);
    const signInAgain = await callEdge('/dashboard', { headers: cookieOf(session) });
    expect(await signInAgain.text()).toContain('id="sign-in"');
    expect(signInAgain.headers.get('set-cookie')).toMatch(/Max-Age=0/);
  });
});
