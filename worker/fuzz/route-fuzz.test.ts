import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { createEdgeWorker } from '../edge-worker.ts';
import { fetchDocument } from '../testing/openapi-fixtures.ts';
import { testDeps } from '../testing/test-app.ts';
import { type FuzzFixtures, setUpFuzzFixtures } from './testing/fuzz-fixtures.ts';
import {
  anyMethod,
  FUZZ_ORIGIN,
  type FuzzRequest,
  fuzzRequest,
  requestInit,
} from './testing/fuzz-request.ts';
import { hostileString } from './testing/hostile-values.ts';
import { operationAt } from './testing/operation-match.ts';
import { checkAnswer } from './testing/response-invariants.ts';
import { fuzzOperations } from './testing/route-catalog.ts';
import { jsonBodyValue, validValue } from './testing/schema-arbitraries.ts';
import { encodeSegment } from './testing/url-arbitraries.ts';

// Issue 15: generated malformed, oversized, wrongly typed and hostile requests against every
// route, with and without valid credentials, through the real Worker and its Durable Objects.

/** Requests the whole suite must send, at the least. */
const MIN_REQUESTS = 10_000;
/** Requests to paths and methods no route serves. */
const STRAY_RUNS = 600;
/** Heartbeats signed by the registered pool's key that the heartbeat route is sent. */
const SIGNED_HEARTBEATS = 64;
/** Fixed, so a failure reproduces; fast-check prints the seed and path of any counterexample. */
const FUZZ_SEED = 1_515_015;

// The production composition root over the test bindings. Called directly rather than through
// `exports.default.fetch`, whose cost in the test pool grows with every request already sent.
const worker = createEdgeWorker();
const document = await fetchDocument();
const operations = fuzzOperations(document, createApp(testDeps(env)));
const runsPerRoute = Math.ceil((MIN_REQUESTS - STRAY_RUNS) / operations.length);
let fixtures: FuzzFixtures;
let sent = 0;
/** Routes that answered at least one request past authentication (not 401 or 403). */
const reached = new Set<string>();

/** Sends `request` to the Worker and checks the answer against the route it lands on. */
async function send(request: FuzzRequest): Promise<void> {
  const url = `${FUZZ_ORIGIN}${request.target}`;
  sent += 1;
  const context = createExecutionContext();
  const response = await worker.fetch(new Request(url, requestInit(request)), env, context);
  const operation = operationAt(operations, request.method, url);
  if (operation && response.status !== 401 && response.status !== 403) {
    reached.add(`${operation.method} ${operation.path}`);
  }
  await checkAnswer(operation, request, response);
  await waitOnExecutionContext(context);
}

/** A seed per property, so adding a route does not change the cases of the others. */
function seedOf(name: string): number {
  let hash = FUZZ_SEED;
  for (const character of name) hash = (Math.imul(hash, 31) + (character.codePointAt(0) ?? 0)) | 0;
  return hash;
}

/**
 * Heartbeats signed with the registered pool's key whose telemetry is generated from the
 * documented TelemetryReport, valid or not: signed just before use, as they expire in a minute.
 */
async function signedHeartbeats(): Promise<string[]> {
  const report = document.components.schemas.TelemetryReport ?? {};
  const telemetry = fc
    .tuple(
      fc.oneof(
        { arbitrary: validValue(report, [fixtures.poolId]), weight: 3 },
        { arbitrary: jsonBodyValue(report, [fixtures.poolId]), weight: 1 },
      ),
      fc.boolean(),
    )
    .map(([value, ownId]) =>
      ownId && typeof value === 'object' && value !== null ? { ...value, pool_id: fixtures.poolId } : value,
    );
  const claims = fc.sample(telemetry, { numRuns: SIGNED_HEARTBEATS, seed: seedOf('heartbeats') });
  return Promise.all(claims.map((claim) => fixtures.signHeartbeat(claim)));
}

beforeAll(async () => {
  fixtures = await setUpFuzzFixtures();
});

describe('fuzz: every route answers hostile requests in the envelope, never a 500', () => {
  it('the fuzzed routes are every documented operation and every mounted route', async () => {
    const documented = Object.values(document.paths).flatMap((item) => Object.keys(item));
    expect(operations.filter((operation) => operation.documented)).toHaveLength(documented.length);
    const mounted = createApp(testDeps(env)).routes.filter(
      (route) => route.method !== 'ALL' && !route.path.includes('*'),
    );
    for (const route of mounted) {
      const path = route.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
      expect(operations.map((operation) => `${operation.method} ${operation.path}`)).toContain(
        `${route.method} ${path}`,
      );
    }
  });

  for (const operation of operations) {
    it(`${operation.method} ${operation.path}: ${runsPerRoute} generated requests`, async () => {
      const tokens = operation.body?.mediaType === 'application/jwt' ? await signedHeartbeats() : [];
      await fc.assert(fc.asyncProperty(fuzzRequest(operation, fixtures, tokens), send), {
        numRuns: runsPerRoute,
        seed: seedOf(`${operation.method} ${operation.path}`),
      });
    });
  }

  it(`stray paths and methods: ${STRAY_RUNS} generated requests`, async () => {
    const strayPath = fc.oneof(
      fc.constantFrom(
        '/',
        '/v1',
        '/v1/',
        '/v1/admin',
        '/V1/MODELS',
        '/v1/models/',
        '/v1//jobs',
        '/v2/health/live',
      ),
      fc.constantFrom(...operations.map((operation) => operation.path.replace(/\{[^}]+\}/g, 'x'))),
      hostileString.map((text) => `/${encodeSegment(text)}`),
    );
    const stray = fc
      .record({ method: anyMethod, target: strayPath, body: fc.option(fc.string(), { nil: null }) })
      .map(({ method, target, body }): FuzzRequest => {
        const bodiless = method === 'GET' || method === 'HEAD';
        return {
          method,
          target,
          headers: [['authorization', fixtures.credentials.apiKey]],
          body: bodiless ? null : body,
        };
      });
    await fc.assert(fc.asyncProperty(stray, send), { numRuns: STRAY_RUNS, seed: seedOf('stray') });
  });

  it(`the suite sent at least ${MIN_REQUESTS} requests, and every route answered some past authentication`, () => {
    expect(sent).toBeGreaterThanOrEqual(MIN_REQUESTS);
    const unreached = operations.filter(({ method, path }) => !reached.has(`${method} ${path}`));
    expect(unreached.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });
});
