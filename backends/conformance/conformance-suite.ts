import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { generationResponseSchema } from '../../shared/index.ts';
import type { BackendCall, ImageBackend } from '../backend.ts';
import { isPngBase64 } from '../provider-kit/index.ts';
import type { ConformanceFixture } from './conformance-fixture.ts';
import { registerCredentialCases } from './credential-cases.ts';
import { registerLoadCases } from './load-cases.ts';
import {
  type RecordingServer,
  type RedirectAnswer,
  type RedirectingPeer,
  startRecordingServer,
  startRedirectingPeer,
} from './redirect-peer.ts';
import {
  conformanceJobId,
  failure,
  on,
  type SuiteContext,
  conformanceTest as test,
} from './suite-context.ts';

export * from './conformance-fixture.ts';

/** The redirects `fetch` follows by default. */
const followedRedirects = [301, 302, 303, 307, 308] as const;
/** Every call an adapter makes to a pool, each of which must refuse a redirect. */
const poolCalls = ['generate', 'stream', 'cancel', 'probe'] as const;
/** Generated redirect cases per run of the suite. */
const REDIRECT_RUNS = 40;

/**
 * The cases every backend adapter must pass (after hono's `common.case.test.ts`). Call it from
 * the adapter's test file; `setup` runs once, after that file's own `beforeAll` hooks, so it may
 * use the pools they started. Test-only: imports vitest, so the Worker never bundles it, and
 * runs under Node: its redirecting peers (`redirect-peer.ts`) are `node:http` servers. An
 * adapter passes the redirect cases by sending through `sendWithoutRedirects`. The fixture is
 * described in `README.md` beside this file.
 *
 * @example
 * runBackendConformance('gpu-node', () => ({ backend: createGpuNodeBackend(), pool, ... }));
 */
export function runBackendConformance(
  name: string,
  setup: () => ConformanceFixture | Promise<ConformanceFixture>,
): void {
  describe(`${name} backend conformance`, () => {
    let fixture: ConformanceFixture;
    // Issue 12: a followed redirect re-sends the prompt and the edge's token wherever the answer
    // points. `target` is where a followed redirect would land; `peer` poses as the pool.
    let target: RecordingServer;
    let peer: RedirectingPeer;
    beforeAll(async () => {
      fixture = await setup();
      target = await startRecordingServer();
      peer = await startRedirectingPeer({ status: 307, location: (path) => `${target.url}${path}` });
    });
    afterAll(async () => {
      await Promise.all([peer?.close(), target?.close()]);
    });
    const call = (overrides: Partial<BackendCall> = {}, backend: ImageBackend = fixture.backend) =>
      backend.generate({
        ...on(fixture.pool),
        jobId: conformanceJobId(),
        request: fixture.request,
        deadlineMs: 30_000,
        ...overrides,
      });
    const context: SuiteContext = { fixture: () => fixture, peer: () => peer, target: () => target, call };

    test('generates', 'returns a valid response with every image as PNG base64', async () => {
      const result = await call();
      expect(generationResponseSchema.parse(result.response)).toEqual(result.response);
      expect(result.response.data).toHaveLength(fixture.request.n);
      for (const image of result.response.data) expect(isPngBase64(image.b64_json ?? '')).toBe(true);
      expect(Array.isArray(result.warnings)).toBe(true);
    });

    test('b64-regardless-of-format', 'returns b64_json even when the client asked for url', async () => {
      const result = await call({ request: { ...fixture.request, response_format: 'url' } });
      expect(isPngBase64(result.response.data[0]?.b64_json ?? '')).toBe(true);
    });

    test('idempotent-job-id', 'two calls with one job id get the same images', async () => {
      const jobId = conformanceJobId();
      const [first, second] = await Promise.all([call({ jobId }), call({ jobId })]);
      expect(second.response.data).toEqual(first.response.data);
    });

    test('client-error', "a request the pool refuses is the client's fault: not retryable", async () => {
      const error = await failure(call({ request: fixture.invalidRequest }));
      expect([error.status, error.retryable, error.workStarted]).toEqual([400, false, false]);
      expect(error.envelope?.error.code).toBe(error.code);
    });

    test('refused-credentials', 'a refused credential is retryable elsewhere, nothing started', async () => {
      const error = await failure(call({ token: fixture.refusedToken }));
      expect([error.status, error.retryable, error.workStarted]).toEqual([401, true, false]);
    });

    test('connection-refused', 'no listener: no status, retryable, nothing started', async () => {
      const error = await failure(call({ poolUrl: fixture.closedUrl }));
      expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
        null,
        'connection_failed',
        true,
        false,
      ]);
    });

    test('saturated', 'a pool at capacity refuses: retryable, nothing started, Retry-After', async () => {
      const { pool, release } = await fixture.saturate();
      try {
        const error = await failure(call(on(pool)));
        expect([503, 429]).toContain(error.status);
        expect([error.retryable, error.workStarted]).toEqual([true, false]);
        expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(0);
      } finally {
        await release();
      }
    });

    test('deadline', 'a call past its deadline stops on time, not retryable', async () => {
      const started = Date.now();
      const error = await failure(call({ request: fixture.slowRequest, deadlineMs: 300 }));
      expect([error.code, error.retryable]).toEqual(['deadline_exceeded', false]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    test('caller-abort', "the caller's signal stops the call promptly, not retryable", async () => {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      const started = Date.now();
      const error = await failure(call({ request: fixture.slowRequest, signal: controller.signal }));
      expect([error.status, error.retryable]).toEqual([null, false]);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    test('cancel-running', 'cancel stops a running job, whose call then fails', async () => {
      const jobId = conformanceJobId();
      let settled = false;
      const pending = failure(call({ jobId, request: fixture.slowRequest }));
      const settle = () => {
        settled = true;
      };
      pending.then(settle, settle);
      // The job may not have reached the pool yet; cancelling an unknown job is a no-op.
      for (let tries = 0; !settled && tries < 100; tries += 1) {
        await fixture.backend.cancel({ ...on(fixture.pool), jobId });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await pending).retryable).toBe(false);
    });

    test('cancel-unknown', 'cancelling a job the pool does not have resolves', async () => {
      await expect(
        fixture.backend.cancel({ ...on(fixture.pool), jobId: 'never-seen' }),
      ).resolves.toBeUndefined();
    });

    // A call that reaches the pool must fail retryably on a 3xx. A cancel or probe the protocol
    // has no request for (KServe and OpenAI have no cancel endpoint) sends nothing at all.
    const redirected = async (kind: (typeof poolCalls)[number], answer: RedirectAnswer) => {
      peer.answer = answer;
      const [asked, landed] = [peer.requests.length, target.requests.length];
      const at = { ...on(fixture.pool), poolUrl: peer.url };
      let sends = 1;
      if (kind === 'probe') {
        const probe = fixture.backend.probe;
        // A probe reports rather than throws: a pool that redirects is not ready.
        if (probe) expect([kind, (await probe(at)).ready]).toEqual([kind, false]);
        else sends = 0;
      } else {
        const pending =
          kind === 'cancel'
            ? fixture.backend.cancel({ ...at, jobId: conformanceJobId() })
            : call({ ...at, ...(kind === 'stream' ? { onProgress: () => undefined } : {}) });
        const outcome = await pending.then(
          () => null,
          (reason: unknown) => reason,
        );
        if (outcome === null && kind === 'cancel') sends = 0;
        else {
          const error = await failure(Promise.reject(outcome));
          expect([kind, error.status, error.retryable]).toEqual([kind, answer.status, true]);
        }
      }
      expect([kind, peer.requests.length - asked, target.requests.slice(landed)]).toEqual([kind, sends, []]);
    };

    test(
      'redirect-not-followed',
      'a pool answering 301/302/303/307/308 fails retryably and the Location gets nothing',
      async () => {
        for (const status of followedRedirects) {
          for (const kind of poolCalls) {
            await redirected(kind, { status, location: (path) => `${target.url}${path}` });
          }
        }
      },
    );

    test('redirect-any-3xx', 'any 3xx to any call, to any Location, is a retryable failure', async () => {
      const locations = {
        elsewhere: (path: string) => `${target.url}${path}`,
        'same origin': (path: string) => `${peer.url}/moved${path}`,
        relative: (path: string) => `/moved${path}`,
      };
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 300, max: 399 }),
          fc.constantFrom(...poolCalls),
          fc.constantFrom(...(Object.keys(locations) as Array<keyof typeof locations>)),
          (status, kind, location) => redirected(kind, { status, location: locations[location] }),
        ),
        { numRuns: REDIRECT_RUNS },
      );
    });

    registerLoadCases(context);
    registerCredentialCases(context);
  });
}
