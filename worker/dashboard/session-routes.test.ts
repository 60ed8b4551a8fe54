import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, mintedOperatorTokenSchema } from '../../shared/index.ts';
import { DASHBOARD_SESSION_COOKIE, MAX_DASHBOARD_SESSION_S } from '../auth/dashboard-session.ts';
import { loadEdgeKeys, mintOperatorToken } from '../auth/index.ts';
import { operatorAuthorization, registerTenantCallers } from '../testing/tenant-callers.ts';
import { DASHBOARD_CSP } from './dashboard-headers.ts';
import { bearerToken, callEdge, EDGE_ORIGIN, sessionFrom, signIn } from './testing/dashboard-client.ts';

async function refusal(response: Response): Promise<[number, string]> {
  const body = errorEnvelopeSchema.parse(await response.json());
  expect(body.request_id).toBe(response.headers.get('x-request-id'));
  return [response.status, body.error.code];
}

describe('dashboard sign-in', () => {
  it('sign-in: a valid operator token sets the session cookie with every attribute', async () => {
    const token = bearerToken(await operatorAuthorization(env, 120));
    const response = await signIn(token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ subject: 'ops@test' });
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie.startsWith(`${DASHBOARD_SESSION_COOKIE}=`)).toBe(true);
    const attributes = cookie.split(';').map((part) => part.trim());
    expect(attributes).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'Secure', 'SameSite=Strict']));
    expect(attributes.some((attribute) => attribute.startsWith('Domain'))).toBe(false);
    const maxAge = Number(attributes.find((attribute) => attribute.startsWith('Max-Age='))?.slice(8));
    // Never longer than the token that opened it (120 s here).
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(120);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    // The session is not the token: the cookie never carries the operator token itself.
    expect(sessionFrom(response)).not.toBe(token);
  });

  it('sign-in: a session lasts at most 12 hours, however long the token', async () => {
    const token = bearerToken(await operatorAuthorization(env, 12 * 3600));
    const response = await signIn(token);
    const cookie = response.headers.get('set-cookie') ?? '';
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1]);
    expect(maxAge).toBeGreaterThan(MAX_DASHBOARD_SESSION_S - 60);
    expect(maxAge).toBeLessThanOrEqual(MAX_DASHBOARD_SESSION_S);
  });

  it('sign-in: a form post works as JSON does, also with the `Origin: null` of a no-referrer page', async () => {
    const token = bearerToken(await operatorAuthorization(env));
    const form = (origin: string, site?: string) =>
      callEdge('/dashboard/session', {
        method: 'POST',
        headers: {
          origin,
          'content-type': 'application/x-www-form-urlencoded',
          ...(site === undefined ? {} : { 'sec-fetch-site': site }),
        },
        body: new URLSearchParams({ token }).toString(),
      });
    for (const response of [await form(EDGE_ORIGIN), await form('null', 'same-origin')]) {
      expect(response.status).toBe(200);
      expect(sessionFrom(response).length).toBeGreaterThan(0);
    } // The page's own fetch, from a Chromium that sends no Origin on it: Sec-Fetch-Site vouches.
    const fetched = await callEdge('/dashboard/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ token }),
    });
    expect(fetched.status).toBe(200);
    expect(sessionFrom(fetched).length).toBeGreaterThan(0);
  });

  it('sign-in: bad, expired, revoked and tenant credentials are refused in the envelope, no cookie set', async () => {
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
    const expired = await mintOperatorToken(keys, 'ops@test', 60, () => Date.now() - 3_600_000);
    const root = await operatorAuthorization(env);
    const minted = await callEdge('/v1/admin/tokens', {
      method: 'POST',
      headers: { authorization: root, 'content-type': 'application/json' },
      body: JSON.stringify({ subject: 'revoked@test', ttl_seconds: 300 }),
    });
    const revoked = mintedOperatorTokenSchema.parse(await minted.json());
    const revoke = await callEdge(`/v1/admin/tokens/${revoked.jti}`, {
      method: 'DELETE',
      headers: { authorization: root },
    });
    expect(revoke.status).toBe(204);
    const tenant = await registerTenantCallers(env, 'dashboard-tenant');

    for (const token of ['not-a-token', `${bearerToken(root)}x`, expired.token, revoked.token]) {
      const response = await signIn(token);
      expect(await refusal(response)).toEqual([401, 'invalid_credentials']);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    const tenantKey = await signIn(bearerToken(tenant.apiKey));
    expect(await refusal(tenantKey)).toEqual([403, 'insufficient_scope']);
    expect(tenantKey.headers.get('set-cookie')).toBeNull();
  });

  it('sign-in: cross-origin, origin-less and cross-site posts are refused before the token is read (CSRF)', async () => {
    const token = bearerToken(await operatorAuthorization(env));
    const attempts: Record<string, string>[] = [
      { origin: 'https://attacker.example' },
      { origin: 'null' },
      { origin: 'null', 'sec-fetch-site': 'cross-site' },
      { origin: '' },
      { origin: EDGE_ORIGIN, 'sec-fetch-site': 'cross-site' },
      { origin: EDGE_ORIGIN, 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of attempts) {
      const response = await signIn(token, headers);
      expect(await refusal(response)).toEqual([403, 'insufficient_scope']);
      expect(response.headers.get('set-cookie')).toBeNull();
    }
    const noOrigin = await callEdge('/dashboard/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(await refusal(noOrigin)).toEqual([403, 'insufficient_scope']);
  });

  it('sign-in: only JSON and form bodies are read', async () => {
    const token = bearerToken(await operatorAuthorization(env));
    const send = (contentType: string, body: string) =>
      callEdge('/dashboard/session', {
        method: 'POST',
        headers: { origin: EDGE_ORIGIN, 'content-type': contentType },
        body,
      });
    expect(await refusal(await send('text/plain', JSON.stringify({ token })))).toEqual([
      415,
      'unsupported_media_type',
    ]);
    expect(await refusal(await send('multipart/form-data; boundary=x', `token=${token}`))).toEqual([
      415,
      'unsupported_media_type',
    ]);
    expect(await refusal(await send('application/json', '{"token":'))).toEqual([400, 'invalid_json']);
    expect(await refusal(await send('application/x-www-form-urlencoded', 'other=1'))).toEqual([
      400,
      'invalid_request',
    ]);
  });

  it('sign-out: deletes the cookie from the dashboard’s origin only', async () => {
    const crossOrigin = await callEdge('/dashboard/session', {
      method: 'DELETE',
      headers: { origin: 'https://attacker.example' },
    });
    expect(await refusal(crossOrigin)).toEqual([403, 'insufficient_scope']);
    const response = await callEdge('/dashboard/session', {
      method: 'DELETE',
      headers: { origin: EDGE_ORIGIN },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('set-cookie')).toBe(
      `${DASHBOARD_SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`,
    );
  });
});
