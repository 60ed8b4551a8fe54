import type { Browser, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { Spillway, SpillwayError } from '../../sdk/index.ts';
import { edgeGenerationResponseSchema, errorEnvelopeSchema } from '../../shared/index.ts';
import { startTestStack, waitForTelemetry } from '../edge/edge-stack.ts';
import { launchChromium } from '../support/browser.ts';
import { type PageServer, type SdkWindow, startPageServer } from './browser-harness.ts';

let stack: LocalStack;

/**
 * A page whose waits end when what they wait for happens: Playwright's default 30 s limits off,
 * so only the test's own timeout bounds a hang, and a slow host is not a failure.
 */
async function openPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  page.setDefaultNavigationTimeout(0);
  return page;
}
beforeAll(async () => {
  stack = await startTestStack();
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const quick = { prompt: 'sdk check', size: '64x64', steps: 1 } as const;

describe('sdk against the real stack (Worker in workerd + gpu-node pools)', () => {
  it('generate(): returns a real PNG, in the shape the shared schema describes, and where it was served', async () => {
    const client = new Spillway({ baseUrl: stack.edgeUrl, apiKey: stack.apiKey });
    const { served, ...response } = await client.generate({ ...quick, n: 2, seed: 11, quality: 'hd' });
    // Exactly OpenAI's shape: the pool's details reach the SDK through the headers, as `served`.
    expect(edgeGenerationResponseSchema.strict().parse(response)).toEqual(response);
    expect(stack.pools.map((pool) => pool.id)).toContain(served.poolId);
    expect(served.providerId).toMatch(/^provider-/);
    expect(served.requestId).toMatch(/^[\w=-]+$/);
    expect(served.warnings).toEqual([expect.stringContaining('quality')]);
    expect(response.data).toHaveLength(2);
    const png = PNG.sync.read(Buffer.from(response.data[0]?.b64_json ?? '', 'base64'));
    expect([png.width, png.height]).toEqual([64, 64]);
  });

  it('errors: a refused request is a SpillwayError with the envelope’s fields and request id', async () => {
    const client = new Spillway({ baseUrl: stack.edgeUrl, apiKey: stack.apiKey });
    const error = await client
      .generate({ ...quick, model: 'no-such-model' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpillwayError);
    expect(error).toMatchObject({
      status: 404,
      code: 'model_not_found',
      type: 'not_found_error',
      param: 'model',
    });
    expect((error as SpillwayError).requestId).toMatch(/^[\w=-]{1,128}$/);
    // The same request raw: the SDK's error fields are exactly the wire envelope's.
    const raw = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...quick, model: 'no-such-model' }),
    });
    const envelope = errorEnvelopeSchema.parse(await raw.json());
    expect(envelope.error).toEqual({
      type: (error as SpillwayError).type,
      code: (error as SpillwayError).code,
      message: (error as SpillwayError).message,
      param: (error as SpillwayError).param,
    });
  });

  it('tokenProvider: a token the edge refuses is refreshed once and the call succeeds', async () => {
    const calls: boolean[] = [];
    const client = new Spillway({
      baseUrl: stack.edgeUrl,
      tokenProvider: ({ forceRefresh }) => {
        calls.push(forceRefresh);
        return forceRefresh ? stack.apiKey : 'sk_live_0000000000000000000000000000000000000000';
      },
    });
    const response = await client.generate(quick);
    expect(response.data).toHaveLength(1);
    expect(calls).toEqual([false, true]);
  });
});

describe('sdk in headless Chromium', () => {
  let browser: Browser | undefined;
  let pages: PageServer | undefined;
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });

  it('browser: the bundled SDK generates, streams a job and reads typed errors cross-origin through the real edge', async () => {
    pages ??= await startPageServer();
    browser ??= await launchChromium();
    const page = await openPage(browser);
    await page.goto(pages.url);
    await page.waitForFunction('window.spillway !== undefined');
    const outcome = await page.evaluate(
      async ({ edgeUrl, apiKey, request }) => {
        // Runs in the page: its globals, not Node's.
        const sdk = (globalThis as SdkWindow).spillway;
        if (!sdk) throw new Error('the SDK bundle did not load');
        const { Spillway, SpillwayError } = sdk;
        const calls: string[] = [];
        const client = new Spillway({
          baseUrl: edgeUrl,
          apiKey,
          fetch: (input, init) => {
            calls.push(`${init?.method} ${new URL(String(input)).pathname}`);
            return fetch(input, init);
          },
        });
        const response = await client.generate(request);
        // Async job, followed over SSE read from fetch's ReadableStream.
        const job = await client.submit(request);
        const statuses: string[] = [];
        for await (const state of client.stream(job.id)) statuses.push(state.status);
        const refused = await new Spillway({
          baseUrl: edgeUrl,
          apiKey: 'sk_live_0000000000000000000000000000000000000000',
        })
          .generate(request)
          .catch((error: unknown) => error);
        return {
          origin: (globalThis as unknown as { location: URL }).location.origin,
          images: response.data.length,
          statuses,
          calls,
          pngSignature: atob(response.data[0]?.b64_json ?? '').slice(1, 4),
          error:
            refused instanceof SpillwayError
              ? { status: refused.status, code: refused.code }
              : String(refused),
        };
      },
      { edgeUrl: stack.edgeUrl, apiKey: stack.apiKey, request: quick },
    );
    expect(outcome.origin).not.toBe(new URL(stack.edgeUrl).origin);
    expect(outcome.statuses.at(-1)).toBe('succeeded');
    // The job was followed over SSE (fetch + ReadableStream), not by the polling fallback.
    expect(outcome.calls.map((call) => call.replace(/job_[\w-]+/, 'ID'))).toEqual([
      'POST /v1/images/generations',
      'POST /v1/jobs',
      'GET /v1/jobs/ID/events',
    ]);
    expect(outcome).toMatchObject({
      images: 1,
      pngSignature: 'PNG',
      error: { status: 401, code: 'invalid_credentials' },
    });
  });

  it('docs: /docs renders every operation offline and its "try it" sends a real request', async () => {
    browser ??= await launchChromium();
    const page = await openPage(browser);
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(String(error)));
    await page.goto(`${stack.edgeUrl}/docs`);
    // A selector, not waitForFunction: the page's CSP forbids the eval a string predicate needs.
    await page.waitForSelector('body[data-ready="true"]');
    const openapi = (await (await fetch(`${stack.edgeUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(openapi.paths).reduce((sum, item) => sum + Object.keys(item).length, 0);
    expect(await page.locator('section.operation').count()).toBe(operations);
    await page.fill('#token', stack.apiKey);
    const models = page.locator('section#listModels');
    await models.locator('summary', { hasText: 'Try it' }).click();
    await models.locator('button', { hasText: 'Send GET' }).click();
    // Waits for the answer itself, however long the request takes on this host.
    await models.locator('pre.output', { hasText: 'spillway-tiny' }).waitFor();
    expect(await models.locator('pre.output').textContent()).toMatch(/^200 /);
    expect(failures).toEqual([]);
  });

  it('browser: Chromium enforces CORS, so the cross-origin checks above can fail', async () => {
    pages ??= await startPageServer();
    browser ??= await launchChromium();
    // Another origin whose answers carry no CORS headers.
    const elsewhere = await startPageServer();
    try {
      const page = await openPage(browser);
      await page.goto(pages.url);
      const outcome = await page.evaluate(
        (url) =>
          fetch(url).then(
            () => 'read',
            (error: unknown) => String(error),
          ),
        `${elsewhere.url}/spillway.js`,
      );
      // The request went out; the browser withheld the answer from the page.
      expect(elsewhere.requests).toContain('/spillway.js');
      expect(outcome).toMatch(/^TypeError/);
    } finally {
      await elsewhere.close();
    }
  });
});
