import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ErrorCode, errorCatalog, errorEnvelope } from '../shared/index.ts';
import { Spillway } from './index.ts';
import { backoffDelay, isRetryableStatus, parseRetryAfter } from './retry.ts';
import {
  type ProtocolServer,
  replyError,
  replyJson,
  startProtocolServer,
} from './testing/protocol-server.ts';

const generation = { created: 1, data: [{ b64_json: 'AAAA' }] };
/** What `generate()` resolves to for it: these servers send none of the edge's headers. */
const generated = {
  ...generation,
  served: { requestId: null, poolId: null, providerId: null, warnings: [] },
};
let server: ProtocolServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close();
  server = undefined;
});

/** A server that answers the scripted replies in order, then 200 with a generation. */
async function scripted(replies: Array<(response: Parameters<typeof replyJson>[0]) => void>) {
  let index = 0;
  server = await startProtocolServer((_request, response) => {
    const reply = replies[index++];
    if (reply) reply(response);
    else replyJson(response, 200, generation);
  });
  return server;
}

const client = (url: string, overrides: Partial<ConstructorParameters<typeof Spillway>[0]> = {}) =>
  new Spillway({ baseUrl: url, apiKey: 'sk_test', retryBaseMs: 20, retryCapMs: 40, ...overrides });

describe('retry policy', () => {
  it('backoff: full jitter stays within [0, min(cap, base * 2^attempt))', () => {
    const options = { retryBaseMs: 100, retryCapMs: 1_000, random: () => 0.999 };
    expect([0, 1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, options))).toEqual([
      99, 199, 399, 799, 999, 999,
    ]);
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0);
  });

  it('Retry-After: reads delta seconds and HTTP dates, ignores garbage', () => {
    const now = Date.parse('2026-12-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3);
    expect(parseRetryAfter('Tue, 01 Dec 2026 00:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('retryable statuses: every catalogued timeout, rate-limit, overload and 5xx error, no client error', () => {
    const catalog: Record<string, { status: number; type: string }> = errorCatalog;
    for (const [code, { status, type }] of Object.entries(catalog)) {
      const expected = status === 408 || status === 429 || status >= 500;
      expect([code, isRetryableStatus(status, false)]).toEqual([code, expected]);
      if (type === 'invalid_request_error' || type === 'authentication_error') expect(expected).toBe(false);
    }
    expect(isRetryableStatus(409, true)).toBe(true);
    expect(isRetryableStatus(501, true)).toBe(false);
  });
});

describe('transport retries against a real server', () => {
  it('retries 503 and 502 and succeeds, reusing one idempotency key for every attempt', async () => {
    const { url, requests } = await scripted([
      (response) => replyError(response, 503, 'no_capacity'),
      (response) => replyJson(response, 502, '<html>bad gateway</html>'),
    ]);
    await expect(client(url).generate({ prompt: 'x' })).resolves.toEqual(generated);
    expect(requests).toHaveLength(3);
    const keys = requests.map((request) => request.headers['idempotency-key']);
    expect(keys[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(keys).size).toBe(1);
    expect(requests[0]?.headers.authorization).toBe('Bearer sk_test');
    expect(JSON.parse(requests[0]?.body ?? '')).toEqual({ prompt: 'x' });
  });

  it('a new logical request gets a new idempotency key', async () => {
    const { url, requests } = await scripted([]);
    const spillway = client(url);
    await spillway.generate({ prompt: 'a' });
    await spillway.generate({ prompt: 'b' });
    expect(requests[0]?.headers['idempotency-key']).not.toBe(requests[1]?.headers['idempotency-key']);
  });

  it('does not retry client errors (400, 404, 422) or a 409 without Retry-After', async () => {
    for (const [status, code] of [
      [400, 'invalid_request'],
      [404, 'model_not_found'],
      [422, 'pool_unreachable'],
      [409, 'job_canceled'],
    ] as const) {
      const { url, requests } = await scripted([(response) => replyError(response, status, code)]);
      await expect(client(url).generate({ prompt: 'x' })).rejects.toMatchObject({ status, code });
      expect(requests).toHaveLength(1);
      await server?.close();
    }
  });

  it('retries a 409 that carries Retry-After (the idempotency draft: still processing)', async () => {
    const { url, requests } = await scripted([
      (response) => replyError(response, 409, 'resource_conflict', { 'retry-after': '0' }),
    ]);
    await expect(client(url).generate({ prompt: 'x' })).resolves.toEqual(generated);
    expect(requests).toHaveLength(2);
  });

  it('gives up after maxRetries with a typed error carrying the envelope, request id and Retry-After', async () => {
    const busy = (response: Parameters<typeof replyJson>[0]) =>
      replyError(response, 503, 'no_capacity', { 'retry-after': '0' }, 'req_busy');
    const { url, requests } = await scripted([busy, busy, busy, busy]);
    const error = await client(url, { maxRetries: 2 })
      .generate({ prompt: 'x' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      name: 'SpillwayError',
      status: 503,
      code: 'no_capacity',
      type: 'overloaded_error',
      param: null,
      requestId: 'req_busy',
      retryAfter: 0,
    });
    expect(requests).toHaveLength(3);
  });

  it('does not wait out a Retry-After longer than maxRetryAfterSeconds', async () => {
    const { url, requests } = await scripted([
      (response) => replyError(response, 503, 'draining', { 'retry-after': '3600' }),
    ]);
    await expect(client(url).generate({ prompt: 'x' })).rejects.toMatchObject({
      code: 'draining',
      retryAfter: 3600,
    });
    expect(requests).toHaveLength(1);
  });

  it('retries a refused connection, then reports connection_error with status 0', async () => {
    const { url } = await scripted([]);
    await server?.close();
    await expect(client(url, { maxRetries: 1 }).generate({ prompt: 'x' })).rejects.toMatchObject({
      status: 0,
      code: 'connection_error',
    });
  });
});

/** An error answer in the shared envelope, as the edge sends it. */
function errorResponse(status: number, code: ErrorCode, headers: Record<string, string> = {}): Response {
  return Response.json(errorEnvelope(code, `test ${code}`, 'req_test'), { status, headers });
}

/**
 * A fetch answering from a script (`'silent'`: never answers, rejects when aborted, as fetch
 * does), recording the fake clock's time of each attempt. With no socket in between, the test
 * decides when time passes, so nothing here depends on how fast or busy the host is.
 */
function scriptedFetch(replies: ReadonlyArray<() => Response | 'silent'>) {
  const attempts: number[] = [];
  const fetchImplementation = (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    attempts.push(Date.now());
    const reply = replies[attempts.length - 1]?.() ?? Response.json(generation);
    if (reply !== 'silent') return Promise.resolve(reply);
    return new Promise((_resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true });
    });
  };
  const since = () => attempts.map((at) => at - (attempts[0] ?? at));
  return { attempts, since, fetch: fetchImplementation };
}

describe('transport timing, on a fake clock', () => {
  const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  const url = 'http://spillway.test';

  it('waits out Retry-After instead of the jittered backoff', async () => {
    fakeClock();
    const script = scriptedFetch([() => errorResponse(429, 'rate_limited', { 'retry-after': '1' })]);
    const pending = client(url, { fetch: script.fetch }).generate({ prompt: 'x' });
    await vi.advanceTimersByTimeAsync(999);
    expect(script.attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(pending).resolves.toEqual(generated);
    expect(script.since()).toEqual([0, 1_000]);
  });

  it('times out an attempt that never answers, and the retry too', async () => {
    fakeClock();
    const timeoutMs = 150;
    const script = scriptedFetch([() => 'silent', () => 'silent']);
    const outcome = client(url, { fetch: script.fetch, timeoutMs, maxRetries: 1, random: () => 0 })
      .generate({ prompt: 'x' })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(timeoutMs - 1);
    expect(script.attempts).toHaveLength(1);
    // The timeout, then the retry after a zero backoff (a zero delay set during a tick is 1 ms on a fake clock).
    await vi.advanceTimersByTimeAsync(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(script.attempts).toHaveLength(2);
    expect(script.since()[1]).toBeGreaterThanOrEqual(timeoutMs);
    await vi.advanceTimersByTimeAsync(timeoutMs);
    expect(await outcome).toMatchObject({ name: 'SpillwayError', code: 'timeout', status: 0 });
  });

  it('an abort during backoff rejects at once with the AbortError', async () => {
    fakeClock();
    const script = scriptedFetch([() => errorResponse(503, 'no_capacity', { 'retry-after': '30' })]);
    const controller = new AbortController();
    const outcome = client(url, { fetch: script.fetch, maxRetryAfterSeconds: 60 })
      .generate({ prompt: 'x' }, { signal: controller.signal })
      .catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(29_999);
    expect(script.attempts).toHaveLength(1);
    controller.abort();
    // "At once": settled before the clock moves on, not when the 30 s backoff would have ended.
    const settled = await Promise.race([outcome, vi.advanceTimersByTimeAsync(0).then(() => 'still waiting')]);
    expect(settled).toMatchObject({ name: 'AbortError' });
    expect(script.attempts).toHaveLength(1);
  });
});
