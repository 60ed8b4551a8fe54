import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { operatorAuthorization } from '../testing/tenant-callers.ts';
import { DASHBOARD_CSP } from './dashboard-headers.ts';
import { bearerToken, callEdge, cookieOf, sessionFrom, signIn } from './testing/dashboard-client.ts';

/** What every dashboard answer must carry. */
function expectHardened(response: Response): void {
  expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('referrer-policy')).toBe('no-referrer');
}

/** No inline code: every script has a `src`, no `<style>` element, no `style=` or `on…=` attribute. */
function expectNoInlineCode(html: string): void {
  expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
  expect(html).not.toMatch(/<style/i);
  expect(html).not.toMatch(/\sstyle=/i);
  expect(html).not.toMatch(/\son[a-z]+=/i);
}

describe('dashboard page', () => {
  it('page: signed out, /dashboard is the sign-in form under a strict CSP, with no token in any URL', async () => {
    const response = await callEdge('/dashboard');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expectHardened(response);
    const html = await response.text();
    expect(html).toMatch(/<form id="sign-in" method="post" action="\/dashboard\/session">/);
    expect(html).toMatch(/<input id="token" name="token" type="password"/);
    expectNoInlineCode(html);
    expect(DASHBOARD_CSP).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
  });

  it('page: signed in, /dashboard is the fleet page naming the operator, escaped', async () => {
    const session = sessionFrom(await signIn(bearerToken(await operatorAuthorization(env))));
    const response = await callEdge('/dashboard', { headers: cookieOf(session) });
    expectHardened(response);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    expect(html).toContain('data-subject="ops@test"');
    expect(html).toContain('id="fleet"');
    expect(html).toContain('id="sign-out"');
    expectNoInlineCode(html);
  });

  it('assets: the script (with uPlot) and the stylesheet are served by the Worker with their types', async () => {
    const script = await callEdge('/dashboard/assets/dashboard.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expectHardened(script);
    const code = await script.text();
    expect(code).toContain('uPlot');
    expect(code).toContain("'/v1/admin/pools'");
    // The locale guard runs before uPlot, which reads `navigator.language` while loading.
    const guard = code.indexOf('Intl.getCanonicalLocales');
    expect(guard).toBeGreaterThanOrEqual(0);
    expect(guard).toBeLessThan(code.indexOf('var uPlot='));
    const style = await callEdge('/dashboard/assets/dashboard.css');
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(await style.text()).toContain('.uplot');
    expect((await callEdge('/dashboard/assets/other.js')).status).toBe(404);
  });
});
