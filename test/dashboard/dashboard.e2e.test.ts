import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { generateViaEdge, poolOf, startTestStack, waitForTelemetry } from '../edge/edge-stack.ts';
import { launchChromium } from '../support/browser.ts';

/** Where the test leaves its screenshot (git-ignored). */
const OUTPUT_FOLDER = join('test-output', 'dashboard');
/** A bound for a page state that never comes, not an estimate of how long it takes. */
const PAGE_WAIT_LIMIT_MS = 90_000;
const UNHEALTHY = ['stale', 'ejected', 'suspect'];
/** How often the test reads the page while it waits. */
const DOM_POLL_MS = 100;

let stack: LocalStack;
/** The running test's browser: a fresh one per test, as single-process Chromium ends with its first context. */
let browser: Browser | undefined;

beforeAll(async () => {
  stack = await startTestStack();
  await waitForTelemetry(stack);
}, 180_000);
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});
afterAll(async () => {
  await stack?.stop();
});

/** What the page reported that the test holds against it. */
interface PageProblems {
  /** `securitypolicyviolation` events and CSP console messages. */
  readonly csp: string[];
  /** Uncaught exceptions in the page. */
  readonly errors: string[];
}

/**
 * A page that records its problems. A fixed locale unless told: a POSIX host's `en-US@posix` is
 * no language tag Intl accepts (the page copes, as the locale test checks).
 */
async function openPage(locale = 'en-US'): Promise<{ page: Page; problems: PageProblems }> {
  browser ??= await launchChromium();
  const page = await browser.newPage({ locale });
  const problems: PageProblems = { csp: [], errors: [] };
  page.on('console', (message) => {
    if (/content security policy/i.test(message.text())) problems.csp.push(message.text());
  });
  page.on('pageerror', (error) => problems.errors.push(String(error)));
  // Violations are also collected in the page: the report event fires even where nothing is logged.
  await page.exposeFunction('reportViolation', (text: string) => problems.csp.push(text));
  await page.addInitScript({
    content:
      "document.addEventListener('securitypolicyviolation', (event) => " +
      "window.reportViolation(event.violatedDirective + ' blocked ' + event.blockedURI));",
  });
  return { page, problems };
}

const poolCard = (id: string) => `article.pool[data-pool-id="${id}"]`;

async function signInWithScript(page: Page): Promise<void> {
  await page.goto(`${stack.edgeUrl}/dashboard`);
  await page.fill('#token', stack.operatorToken);
  await page.click('#sign-in button[type="submit"]');
}

/** Signs in with the form's own post (no script): returns the page it lands on. */
async function signInWithoutScript(token: string): Promise<Page> {
  browser ??= await launchChromium();
  const page = await browser.newPage({ javaScriptEnabled: false, locale: 'en-US' });
  await page.goto(`${stack.edgeUrl}/dashboard`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(/\/dashboard(\?|$)/), page.click('#sign-in button[type="submit"]')]);
  return page;
}

function healthOf(page: Page, id: string): Promise<string | null> {
  return page.getAttribute(poolCard(id), 'data-health');
}

describe('dashboard in headless Chromium against the real stack', () => {
  it('dashboard: a browser whose locale is no BCP 47 tag (`en-US@posix`) still runs the page', async () => {
    const { page, problems } = await openPage('en-US@posix');
    // The control: the browser does report the POSIX tag, which Intl refuses.
    expect(await page.evaluate('navigator.language')).toBe('en-US@posix');
    expect(
      await page.evaluate(
        "(() => { try { new Intl.NumberFormat('en-US@posix'); return 'accepted' } catch (error) { return error.name } })()",
      ),
    ).toBe('RangeError');
    await page.goto(`${stack.edgeUrl}/dashboard`);
    // Checked at once: with the script dead, the sign-in would fall back to the form's own post.
    expect(problems.errors).toEqual([]);
    await page.fill('#token', stack.operatorToken);
    await page.click('#sign-in button[type="submit"]');
    const wait = { timeout: PAGE_WAIT_LIMIT_MS };
    for (const id of ['pool-a', 'pool-b']) await page.waitForSelector(`${poolCard(id)} .uplot canvas`, wait);
    expect(await page.evaluate('navigator.language')).toBe('en-US');
    // Each chart is named for assistive technology: its canvas alone says nothing.
    const charts = page.locator('article.pool .chart');
    expect(await charts.count()).toBe(4);
    for (const chart of await charts.all()) {
      expect(await chart.getAttribute('role')).toBe('img');
      expect(await chart.getAttribute('aria-label')).toMatch(
        /^(Queued and running images|Queued work .*) of pool pool-[ab], last 5 minutes$/,
      );
    }
    await page.waitForSelector('#updated:text-matches("updated ")', wait);
    expect(problems.errors).toEqual([]);
    expect(problems.csp).toEqual([]);
  });

  it('dashboard: an operator signs in, sees both pools charted, and a killed pool turns unhealthy', async () => {
    const { page, problems } = await openPage();
    const dashboardUrl = `${stack.edgeUrl}/dashboard`;
    await signInWithScript(page);

    const wait = { timeout: PAGE_WAIT_LIMIT_MS };
    await page.waitForSelector(`${poolCard('pool-a')}[data-health="healthy"]`, wait);
    await page.waitForSelector(`${poolCard('pool-b')}[data-health="healthy"]`, wait);
    // No token in any URL the page was ever at; the session is a cookie the page's script cannot read.
    expect(page.url()).toBe(dashboardUrl);
    expect(await page.evaluate('document.cookie')).toBe('');
    const [cookie, ...others] = await page.context().cookies();
    expect(others).toEqual([]);
    expect(cookie).toMatchObject({
      name: '__Host-spillway_dash',
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
    });
    expect(cookie?.value).not.toContain(stack.operatorToken);

    // Grouped by provider (each test pool is its own provider) and region, each pool charted.
    expect(await page.locator('section.provider').count()).toBe(2);
    for (const id of ['pool-a', 'pool-b']) {
      await page.waitForSelector(`${poolCard(id)} .uplot canvas`, wait);
      expect(await page.locator(`${poolCard(id)} .uplot`).count()).toBe(2);
    }

    // The routing mix: each row's share is a meter and a percentage, never a stringified node.
    expect((await generateViaEdge(stack, { prompt: 'a cat' })).status).toBe(200);
    await page.waitForSelector('#routing tbody tr', wait);
    expect(await page.locator('#routing').textContent()).not.toContain('[object');
    const shares = await page.locator('#routing tbody tr td:last-child').allTextContents();
    expect(shares.length).toBeGreaterThan(0);
    for (const share of shares) expect(share).toMatch(/^\s*\d+ %$/);
    expect(await page.locator('#routing tbody tr td:last-child .share meter').count()).toBe(shares.length);

    const victim = poolOf(stack, 'pool-b');
    victim.process.kill('SIGKILL');
    const killedAt = Date.now();
    // Polled from here: a predicate evaluated in the page would need the eval its CSP forbids.
    const deadline = killedAt + PAGE_WAIT_LIMIT_MS;
    while (!UNHEALTHY.includes((await healthOf(page, 'pool-b')) ?? '') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, DOM_POLL_MS));
    }
    console.log(
      `dashboard: pool-b shown ${await healthOf(page, 'pool-b')} ${Date.now() - killedAt} ms after SIGKILL`,
    );
    expect(UNHEALTHY).toContain(await healthOf(page, 'pool-b'));
    expect(await healthOf(page, 'pool-a')).toBe('healthy');
    expect(await page.locator(`${poolCard('pool-b')} .badge`).textContent()).toMatch(/stale|ejected|suspect/);
    expect(await page.locator('#summary').textContent()).toMatch(/2 pools/);

    await mkdir(OUTPUT_FOLDER, { recursive: true });
    await page.screenshot({ path: join(OUTPUT_FOLDER, 'dashboard.png'), fullPage: true });

    expect(problems.csp).toEqual([]);
    expect(problems.errors).toEqual([]);
    // The control: the CSP is enforced, and a violation would have been seen. An inline style
    // added now is blocked and reported.
    await page.evaluate(
      "document.head.append(Object.assign(document.createElement('style'), { textContent: 'body { color: red }' }))",
    );
    const reportDeadline = Date.now() + PAGE_WAIT_LIMIT_MS;
    while (problems.csp.length === 0 && Date.now() < reportDeadline) {
      await new Promise((resolve) => setTimeout(resolve, DOM_POLL_MS));
    }
    expect(problems.csp.join('\n')).toMatch(/style-src/);

    await page.click('#sign-out');
    await page.waitForSelector('#sign-in', wait);
    expect(await page.context().cookies()).toEqual([]);
    expect(problems.errors).toEqual([]);
  });

  it('dashboard: without JavaScript the form signs in and lands on the dashboard (its post sends `Origin: null`)', async () => {
    const page = await signInWithoutScript(stack.operatorToken);
    expect(page.url()).toBe(`${stack.edgeUrl}/dashboard`);
    // The cookie came with the 303, and the redirected GET sent it back (SameSite=Strict holds).
    expect(await page.locator('body.dashboard').count()).toBe(1);
    expect(await page.textContent('body')).toContain('signed in as');
    const cookies = await page.context().cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(['__Host-spillway_dash']);
  });

  it('dashboard: without JavaScript a wrong token comes back to the form with a message, not JSON', async () => {
    const page = await signInWithoutScript('not-an-operator-token');
    expect(page.url()).toBe(`${stack.edgeUrl}/dashboard?error=rejected`);
    expect(await page.isVisible('#sign-in-error')).toBe(true);
    expect(await page.textContent('#sign-in-error')).toBe(
      'this operator token was not accepted: check it, or mint a new one with `spillway tokens create`',
    );
    expect(await page.context().cookies()).toEqual([]);
  });

  it('dashboard: a form on another site posting a valid token is refused (login CSRF)', async () => {
    browser ??= await launchChromium();
    const page = await browser.newPage({ locale: 'en-US' });
    const attacker = 'http://attacker.test/';
    await page.route(attacker, (route) =>
      route.fulfill({
        contentType: 'text/html',
        body:
          `<form method="post" action="${stack.edgeUrl}/dashboard/session">` +
          `<input name="token" value="${stack.operatorToken}"><button>go</button></form>`,
      }),
    );
    await page.goto(attacker);
    const [answer] = await Promise.all([
      page.waitForResponse(`${stack.edgeUrl}/dashboard/session`),
      page.click('button'),
    ]);
    expect(answer.status()).toBe(403);
    expect(answer.headers().location).toBeUndefined();
    expect(await page.context().cookies()).toEqual([]);
  });
});
