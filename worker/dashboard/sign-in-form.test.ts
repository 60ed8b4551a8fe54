import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { DASHBOARD_SESSION_COOKIE } from '../auth/dashboard-session.ts';
import { operatorAuthorization, registerTenantCallers } from '../testing/tenant-callers.ts';
import { DASHBOARD_CSP } from './dashboard-headers.ts';
import { REJECTED_TOKEN_MESSAGE, TENANT_CREDENTIAL_MESSAGE } from './sign-in-outcome.ts';
import {
  bearerToken,
  callEdge,
  cookieOf,
  EDGE_ORIGIN,
  sessionFrom,
  signIn,
} from './testing/dashboard-client.ts';

/** What Chromium sends with the sign-in form's own submission from the `no-referrer` page. */
const browserFormPost = {
  origin: 'null',
  'sec-fetch-site': 'same-origin',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-dest': 'document',
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'content-type': 'application/x-www-form-urlencoded',
};

function postForm(token: string, headers: Record<string, string> = browserFormPost): Promise<Response> {
  return callEdge('/dashboard/session', {
    method: 'POST',
    headers,
    body: new URLSearchParams({ token }).toString(),
    redirect: 'manual',
  });
}

async function envelope(response: Response): Promise<[number, string, string]> {
  const { error } = errorEnvelopeSchema.parse(await response.json());
  return [response.status, error.code, error.message];
}

/** The sign-in page's notice (`#sign-in-error`), or null while it is hidden. */
async function noticeOf(response: Response): Promise<string | null> {
  const html = await response.text();
  expect(html).toContain('<form id="sign-in"');
  const match = /<p id="sign-in-error" class="error" role="alert"( hidden)?>([^<]*)<\/p>/.exec(html);
  if (!match) throw new Error('no #sign-in-error in the sign-in page');
  return match[1] === undefined ? (match[2] ?? '') : null;
}

describe('dashboard sign-in from a browser form (no script)', () => {
  it('form: a valid token is answered 303 to /dashboard with the session cookie', async () => {
    const response = await postForm(bearerToken(await operatorAuthorization(env)));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie.startsWith(`${DASHBOARD_SESSION_COOKIE}=`)).toBe(true);
    expect(cookie).toContain('SameSite=Strict');
    const page = await callEdge('/dashboard', { headers: cookieOf(sessionFrom(response)) });
    expect(await page.text()).toContain('data-subject="ops@test"');
  });

  it('form: a browser without Sec-Fetch-Mode is told by its Accept: text/html', async () => {
    const token = bearerToken(await operatorAuthorization(env));
    const response = await postForm(token, {
      origin: EDGE_ORIGIN,
      accept: 'text/html',
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/dashboard');
    expect(sessionFrom(response).length).toBeGreaterThan(0);
  });

  it('form: a refused token goes back to the form with a message, and no cookie', async () => {
    const tenant = await registerTenantCallers(env, 'dashboard-form-tenant');
    const cases: Array<[string, string, string]> = [
      ['not-a-token', 'rejected', REJECTED_TOKEN_MESSAGE],
      [`${bearerToken(await operatorAuthorization(env))}x`, 'rejected', REJECTED_TOKEN_MESSAGE],
      [bearerToken(tenant.apiKey), 'tenant', TENANT_CREDENTIAL_MESSAGE],
      ['', 'missing', 'paste an operator token to sign in'],
    ];
    for (const [token, reason, message] of cases) {
      const response = await postForm(token);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe(`/dashboard?error=${reason}`);
      expect(response.headers.get('set-cookie')).toBeNull();
      // The page escapes what it shows; the messages hold backticks, not markup.
      expect(await noticeOf(await callEdge(`/dashboard?error=${reason}`))).toBe(message);
    }
  });

  it('form: ?error= only picks a fixed message; anything else shows none', async () => {
    for (const query of ['?error=%3Cb%3Eyour+account+is+locked%3C%2Fb%3E', '?error=toString', '']) {
      const response = await callEdge(`/dashboard${query}`);
      expect(response.status).toBe(200);
      expect(await noticeOf(response)).toBeNull();
    }
  });

  it('form: a cross-site form post is still refused 403, with no redirect and no cookie (CSRF)', async () => {
    const token = bearerToken(await operatorAuthorization(env));
    const attempts = [
      { ...browserFormPost, origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' },
      { ...browserFormPost, 'sec-fetch-site': 'cross-site' },
      { ...browserFormPost, origin: EDGE_ORIGIN, 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of attempts) {
      const response = await postForm(token, headers);
      expect((await envelope(response)).slice(0, 2)).toEqual([403, 'insufficient_scope']);
      expect(response.headers.get('location')).toBeNull();
      expect(response.headers.get('set-cookie')).toBeNull();
    }
  });
});

describe('dashboard sign-in from the page script (JSON)', () => {
  it('json: a script’s fetch is answered JSON, even a form body or an Accept naming HTML', async () => {
    const token = bearerToken(await operatorAuthorization(env));
    const response = await postForm(token, {
      ...browserFormPost,
      'sec-fetch-mode': 'cors',
      'sec-fetch-dest': 'empty',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ subject: 'ops@test' });
    const json = await signIn(token, { 'sec-fetch-mode': 'same-origin', accept: '*/*' });
    expect(json.status).toBe(200);
    expect(json.headers.get('location')).toBeNull();
  });

  it('json: a refused token says so in words for the form, not about an Authorization header', async () => {
    for (const token of ['not-a-token', 'two words', `${bearerToken(await operatorAuthorization(env))}x`]) {
      expect(await envelope(await signIn(token))).toEqual([
        401,
        'invalid_credentials',
        REJECTED_TOKEN_MESSAGE,
      ]);
    }
    const tenant = await registerTenantCallers(env, 'dashboard-json-tenant');
    expect(await envelope(await signIn(bearerToken(tenant.apiKey)))).toEqual([
      403,
      'insufficient_scope',
      TENANT_CREDENTIAL_MESSAGE,
    ]);
  });
});
