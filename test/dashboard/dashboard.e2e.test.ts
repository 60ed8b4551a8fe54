import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { poolOf, startTestStack, waitForTelemetry } from '../edge/edge-stack.ts';
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

async function openPage(): Promise<{ page: Page; problems: PageProblems }> {
  browser ??= await launchChromium();
  // A fixed locale: the container's `en-US@posix` is no language tag Intl (and so uPlot) accepts.
  const page = await browser.newPage({ locale: 'en-US' });
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

function healthOf(page: Page, id: string): Promise<string | null> {
  return page.getAttribute(poolCard(id), 'data-health');
}

describe('dashboard in headless Chromium against the real stack', () => {
  it('dashboard: an operator signs in, sees both pools charted, and a killed pool turns unhealthy', async () => {
    const { page, problems } = await openPage();
    const dashboardUrl = `${stack.edgeUrl}/dashboard`;
    await page.goto(dashboardUrl);
    await page.fill('#token', stack.operatorToken);
    await page.click('#sign-in button[type="submit"]');

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

  it('dashboard: without JavaScript the form still signs in (its no-referrer post sends `Origin: null`)', async () => {
    browser ??= await launchChromium();
    const page = await browser.newPage({ javaScriptEnabled: false, locale: 'en-US' });
    await page.goto(`${stack.edgeUrl}/dashboard`);
    await page.fill('#token', stack.operatorToken);
    const [answer] = await Promise.all([
      page.waitForResponse(`${stack.edgeUrl}/dashboard/session`),
      page.click('#sign-in button[type="submit"]'),
    ]);
    expect(answer.status()).toBe(200);
    const cookies = await page.context().cookies();
    expect(cookies.map((cookie) => cookie.name)).toEqual(['__Host-spillway_dash']);
    // The address bar never held the token: the form posts it in the body.
    expect(page.url()).toBe(`${stack.edgeUrl}/dashboard/session`);
  });
});
