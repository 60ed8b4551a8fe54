import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import { type DispatchOptions, dispatchWithFailover } from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';

// A real pool, and a stalled one: it accepts every call and never answers (issue 4's stall).
const edgeKey = writeKeyPair('ed25519', 'edge');
let healthy: GpuNodeProcess;
let stalled: Server;
let stalledUrl = '';
const stalledCalls: Array<{ method: string; path: string }> = [];
const tokens = new Map<string, string>();

beforeAll(async () => {
  healthy = await startGpuNode(['--pool-id', 'h1', '--edge-public-key', edgeKey.publicPath]);
  stalled = createServer((request: IncomingMessage) => {
    stalledCalls.push({ method: request.method ?? '', path: request.url ?? '' });
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  const address = stalled.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  stalledUrl = `http://127.0.0.1:${address.port}`;
  for (const poolId of ['h1', 'stuck']) {
    tokens.set(poolId, await dispatchToken(edgeKey.privateKey, { audience: poolId }));
  }
});
afterAll(async () => {
  stalled?.closeAllConnections();
  await new Promise((closed) => stalled?.close(closed));
  await healthy?.kill();
});

const backend = createGpuNodeBackend();
const stuck = {
  poolId: 'stuck',
  providerId: 'provider-stuck',
  url: '',
  protocol: 'gpu-node',
  predictedMs: 100,
};
const h1 = { poolId: 'h1', providerId: 'provider-h1', url: '', protocol: 'gpu-node', predictedMs: 100 };

function dispatch(overrides: Partial<DispatchOptions>) {
  return dispatchWithFailover({
    candidates: [
      { ...stuck, url: stalledUrl },
      { ...h1, url: healthy.url },
    ],
    request: quickRequest,
    jobId: `hedge-${crypto.randomUUID()}`,
    deadlineAt: Date.now() + 20_000,
    backendFor: () => backend,
    tokenFor: async (poolId) => tokens.get(poolId) ?? '',
    now: () => Date.now(),
    ...overrides,
  });
}

describe('dispatch with hedging', () => {
  it('hedging: a call that runs late gets a copy on the next pool; the copy answers and the stalled call is dropped', async () => {
    const before = stalledCalls.length;
    const startedAt = Date.now();
    const outcome = await dispatch({ hedge: { afterMs: () => 300, allow: () => true } });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'hedge_lost'],
    ]);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(stalledCalls[before]?.method).toBe('POST');
    // The stalled pool is asked to cancel the job, so it stops computing for nobody.
    await expect.poll(() => stalledCalls.slice(before).map((call) => call.method)).toContain('DELETE');
  });

  it('hedging: with the hedge budget spent, the call waits for the stalled pool until the deadline', async () => {
    const outcome = await dispatch({
      hedge: { afterMs: () => 100, allow: () => false },
      deadlineAt: Date.now() + 1_500,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['stuck', 'timed_out'],
    ]);
  });

  it('hedging: a call that answers in time is never hedged', async () => {
    let asked = 0;
    const outcome = await dispatch({
      candidates: [
        { ...h1, url: healthy.url },
        { ...stuck, url: stalledUrl },
      ],
      hedge: {
        afterMs: () => 10_000,
        allow: () => {
          asked++;
          return true;
        },
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts).toHaveLength(1);
    expect(asked).toBe(0);
  });
});

describe('dispatch with hedging: the late call wins', () => {
  it('hedging: when the late call answers first, the copy is cancelled and counts as canceled, not lost', async () => {
    // The "late" call is the healthy pool with a tiny threshold; the copy goes to the stalled one.
    const outcome = await dispatch({
      candidates: [
        { ...h1, url: healthy.url },
        { ...stuck, url: stalledUrl },
      ],
      hedge: { afterMs: () => 0, allow: () => true },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'canceled'],
    ]);
  });
});
