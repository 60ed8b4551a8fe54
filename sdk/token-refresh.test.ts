import { afterEach, describe, expect, it } from 'vitest';
import { Spillway, SpillwayError } from './index.ts';
import {
  type ProtocolServer,
  replyError,
  replyJson,
  startProtocolServer,
} from './testing/protocol-server.ts';

const generation = { created: 1, data: [] };
/** What `generate()` resolves to for it: these servers send none of the edge's headers. */
const generated = {
  ...generation,
  served: { requestId: null, poolId: null, providerId: null, warnings: [] },
};
let server: ProtocolServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Accepts only `Bearer <valid>`; answers 401 with WWW-Authenticate otherwise. */
async function tokenServer(valid: () => string, before: Array<number> = []) {
  let index = 0;
  server = await startProtocolServer((request, response) => {
    const status = before[index++];
    if (status) return replyError(response, status, 'no_capacity', { 'retry-after': '0' });
    if (request.headers.authorization !== `Bearer ${valid()}`) {
      return replyError(response, 401, 'invalid_credentials', {
        'www-authenticate': 'Bearer realm="spillway"',
      });
    }
    replyJson(response, 200, generation);
  });
  return server;
}

describe('token provider', () => {
  it('refreshes once after a 401 and retries with the new token', async () => {
    const { url, requests } = await tokenServer(() => 'jwt-2');
    const calls: boolean[] = [];
    const spillway = new Spillway({
      baseUrl: url,
      tokenProvider: ({ forceRefresh }) => {
        calls.push(forceRefresh);
        return forceRefresh ? 'jwt-2' : 'jwt-1';
      },
    });
    await expect(spillway.generate({ prompt: 'x' })).resolves.toEqual(generated);
    expect(calls).toEqual([false, true]);
    expect(requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer jwt-1',
      'Bearer jwt-2',
    ]);
    expect(requests[0]?.headers['idempotency-key']).toBe(requests[1]?.headers['idempotency-key']);
  });

  it('a second 401 after the refresh is the caller’s error, not a loop', async () => {
    const { url, requests } = await tokenServer(() => 'never');
    const spillway = new Spillway({ baseUrl: url, tokenProvider: async () => 'stale' });
    await expect(spillway.generate({ prompt: 'x' })).rejects.toMatchObject({
      status: 401,
      code: 'invalid_credentials',
      type: 'authentication_error',
    });
    expect(requests).toHaveLength(2);
  });

  it('the refresh does not use up the retry budget', async () => {
    const { url, requests } = await tokenServer(() => 'new', [0, 503]);
    let cached = 'old';
    const calls: boolean[] = [];
    const spillway = new Spillway({
      baseUrl: url,
      maxRetries: 1,
      tokenProvider: ({ forceRefresh }) => {
        calls.push(forceRefresh);
        if (forceRefresh) cached = 'new';
        return cached;
      },
    });
    // 401 (old) → refresh → 503 → the one retry → 200
    await expect(spillway.generate({ prompt: 'x' })).resolves.toEqual(generated);
    expect(requests).toHaveLength(3);
    expect(calls).toEqual([false, true, false]);
  });

  it('an API key is sent as a bearer token and a 401 is not retried', async () => {
    const { url, requests } = await tokenServer(() => 'sk_right');
    const spillway = new Spillway({ baseUrl: url, apiKey: 'sk_wrong' });
    await expect(spillway.generate({ prompt: 'x' })).rejects.toMatchObject({ status: 401 });
    expect(requests.map((request) => request.headers.authorization)).toEqual(['Bearer sk_wrong']);
  });

  it('a tokenProvider that throws is a typed token_unavailable error carrying the cause; nothing is sent', async () => {
    const { url, requests } = await tokenServer(() => 'jwt-1');
    const down = new Error('auth down');
    const spillway = new Spillway({
      baseUrl: url,
      tokenProvider: () => {
        throw down;
      },
    });
    const error = await spillway.generate({ prompt: 'x' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpillwayError);
    expect(error).toMatchObject({ status: 0, code: 'token_unavailable', cause: down });
    expect(requests).toHaveLength(0);
  });
});
