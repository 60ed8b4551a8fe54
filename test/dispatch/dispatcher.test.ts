import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BackendCall,
  BackendCallError,
  createGpuNodeBackend,
  type FetchFunction,
  type ImageBackend,
} from '../../backends/index.ts';
import { errorEnvelope } from '../../shared/index.ts';
import {
  type AttemptRecord,
  type DispatchOptions,
  dispatchWithFailover,
} from '../../worker/dispatch/index.ts';
import { closedUrl, occupy, quickRequest, slowRequest } from '../backends/backend-test-pools.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';

// Two real pools for the file: `d1` roomy, `d2` one slot and no queue, so it is easy to fill.
const edgeKey = writeKeyPair('ed25519', 'edge');
let roomy: GpuNodeProcess;
let tight: GpuNodeProcess;
let nowhere = '';
const tokens = new Map<string, string>();

beforeAll(async () => {
  const key = ['--edge-public-key', edgeKey.publicPath];
  [roomy, tight] = await Promise.all([
    startGpuNode(['--pool-id', 'd1', ...key]),
    startGpuNode([
      '--pool-id',
      'd2',
      ...key,
      '--workers',
      '1',
      '--max-batch-size',
      '1',
      '--max-queue-size',
      '0',
    ]),
  ]);
  for (const poolId of ['d1', 'd2', 'gone', 'gone-2', 'gone-3', 'broken']) {
    tokens.set(poolId, await dispatchToken(edgeKey.privateKey, { audience: poolId }));
  }
  nowhere = await closedUrl();
});
afterAll(async () => {
  await Promise.all([roomy?.kill(), tight?.kill()]);
});

// A pool that fails every job after taking it, at a URL only this fetch knows.
const failingFetch: FetchFunction = async (url, init) =>
  url.startsWith('http://broken.test/')
    ? Response.json(errorEnvelope('inference_failed', 'the engine crashed', 'req-1'), { status: 500 })
    : fetch(url, init);
const backend = createGpuNodeBackend({ fetch: failingFetch });

const pool = (poolId: string, url: () => string) => ({
  poolId,
  providerId: `provider-${poolId}`,
  get url() {
    return url();
  },
  protocol: 'gpu-node',
});
const d1 = pool('d1', () => roomy.url);
const d2 = pool('d2', () => tight.url);
const gone = (poolId = 'gone') => pool(poolId, () => nowhere);
const broken = pool('broken', () => 'http://broken.test');

function dispatch(overrides: Partial<DispatchOptions> = {}) {
  const reported: AttemptRecord[] = [];
  const options: DispatchOptions = {
    candidates: [d1],
    request: quickRequest,
    jobId: `dispatch-${crypto.randomUUID()}`,
    deadlineAt: Date.now() + 30_000,
    backendFor: () => backend,
    tokenFor: async (poolId) => tokens.get(poolId) ?? '',
    now: () => Date.now(),
    onAttempt: (attempt) => reported.push(attempt),
    ...overrides,
  };
  return dispatchWithFailover(options).then((outcome) => ({ ...outcome, reported }));
}
const outcomes = (attempts: readonly AttemptRecord[]) => attempts.map((attempt) => attempt.outcome);
const errorOf = (outcome: { ok: boolean; error?: unknown }) => {
  if (outcome.ok || !BackendCallError.isInstance(outcome.error)) throw new Error('expected a pool error');
  return outcome.error;
};

describe('dispatch with failover', () => {
  it('dispatch: fails over when a pool refuses the connection', async () => {
    const outcome = await dispatch({ candidates: [gone(), d1] });
    expect(outcome.ok && outcome.poolId).toBe('d1');
    expect(outcome.ok && outcome.providerId).toBe('provider-d1');
    expect(outcomes(outcome.attempts)).toEqual(['connection_failed', 'ok']);
    expect(outcome.attempts.map((attempt) => attempt.status)).toEqual([null, 200]);
    expect(outcome.reported).toEqual(outcome.attempts);
    expect(outcome.attempts[1]?.load?.slots).toBeGreaterThanOrEqual(1);
  });

  it('dispatch: fails over from a full pool (503 queue_full) and reports its load', async () => {
    const occupied = await occupy(backend, { url: tight.url, token: tokens.get('d2') ?? '' });
    try {
      const outcome = await dispatch({ candidates: [d2, d1] });
      expect(outcome.ok && outcome.poolId).toBe('d1');
      expect(outcome.attempts[0]).toMatchObject({ outcome: 'refused', status: 503, code: 'queue_full' });
      expect(outcome.attempts[0]?.load).toMatchObject({ running: 1, slots: 1 });
    } finally {
      await occupied.release();
    }
  });

  it('dispatch: a failover candidate backed off since the ranking is passed over', async () => {
    // `broken` fails, and meanwhile d2 asked to be left alone: the next call goes to d1.
    const outcome = await dispatch({
      candidates: [broken, d2, d1],
      stillCallable: (poolId) => poolId !== 'd2',
    });
    expect(outcome.ok && outcome.poolId).toBe('d1');
    expect(outcome.attempts.map((attempt) => attempt.poolId)).toEqual(['broken', 'd1']);
  });

  it('dispatch: with every candidate passed over and time left, no pool could take it: not out of time', async () => {
    // The one candidate was ejected since the ranking (its connection refused another request).
    const outcome = await dispatch({ candidates: [d1], stillCallable: () => false });
    expect(outcome).toMatchObject({ ok: false, error: 'no_candidates', attempts: [] });
  });

  it('dispatch: fails over when a pool refuses our token', async () => {
    const tokenFor = async (poolId: string) =>
      poolId === 'd1' ? (tokens.get('d2') ?? '') : (tokens.get(poolId) ?? '');
    const outcome = await dispatch({ candidates: [d1, d2], tokenFor });
    expect(outcome.ok && outcome.poolId).toBe('d2');
    expect(outcome.attempts[0]).toMatchObject({ outcome: 'refused', status: 401 });
  });

  it('dispatch: fails over when a pool took the job and failed it (500)', async () => {
    const outcome = await dispatch({ candidates: [broken, d1] });
    expect(outcome.ok && outcome.poolId).toBe('d1');
    expect(outcome.attempts[0]).toMatchObject({ outcome: 'failed', status: 500, code: 'inference_failed' });
  });

  it("dispatch: a 400 is the request's fault and goes back without trying another pool", async () => {
    const outcome = await dispatch({ candidates: [d1, d2], request: { ...quickRequest, size: '96x96' } });
    expect([errorOf(outcome).status, errorOf(outcome).code]).toEqual([400, 'unsupported_value']);
    expect(outcomes(outcome.attempts)).toEqual(['rejected']);
  });

  it('dispatch: never calls more pools than maxAttempts (default 3)', async () => {
    const candidates = [gone(), gone('gone-2'), gone('gone-3'), d1];
    const limited = await dispatch({ candidates, maxAttempts: 2 });
    expect([errorOf(limited).code, limited.attempts.length]).toEqual(['connection_failed', 2]);
    const byDefault = await dispatch({ candidates });
    expect([byDefault.ok, byDefault.attempts.length]).toEqual([false, 3]);
  });

  it('dispatch: stops when allowRetry (a retry budget) says no', async () => {
    const outcome = await dispatch({ candidates: [gone(), d1], allowRetry: () => false });
    expect([errorOf(outcome).code, outcome.attempts.length]).toEqual(['connection_failed', 1]);
  });

  it('dispatch: gives each attempt the remaining budget and starts none after the deadline', async () => {
    let clock = 1_000_000;
    const budgets: number[] = [];
    const recording: ImageBackend = {
      protocol: 'gpu-node',
      generate: (call: BackendCall) => {
        budgets.push(call.deadlineMs);
        return backend.generate(call);
      },
      cancel: (call) => backend.cancel(call),
    };
    const options = {
      backendFor: () => recording,
      now: () => clock,
      deadlineAt: clock + 10_000,
      onAttempt: () => {
        clock += 4_000;
      },
    };
    const served = await dispatch({ ...options, candidates: [gone(), d1] });
    expect([served.ok, budgets]).toEqual([true, [10_000, 6_000]]);
    clock = 1_000_000;
    budgets.length = 0;
    const late = await dispatch({ ...options, onAttempt: () => (clock += 20_000), candidates: [gone(), d1] });
    expect([errorOf(late).code, budgets]).toEqual(['connection_failed', [10_000]]);
  });

  it('dispatch: a deadline already past calls no pool and mints no token', async () => {
    let minted = 0;
    const tokenFor = async () => `${++minted}`;
    const outcome = await dispatch({ candidates: [d1], deadlineAt: Date.now() - 1, tokenFor });
    expect([outcome.ok, !outcome.ok && outcome.error, outcome.attempts, minted]).toEqual([
      false,
      'deadline_exceeded',
      [],
      0,
    ]);
  });

  it('dispatch: a deadline that runs out in a pool stops failover and cancels the job there', async () => {
    const background: Array<Promise<unknown>> = [];
    // The request reaches the pool 300 ms late, so the pool's own deadline (counted from when it
    // received the job) falls well after the edge's: the edge gives up first however busy the host.
    const lateFetch: FetchFunction = async (url, init) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return fetch(url, init);
    };
    const lateBackend = createGpuNodeBackend({ fetch: lateFetch });
    const started = Date.now();
    const outcome = await dispatch({
      candidates: [d1, d2],
      request: slowRequest,
      backendFor: () => lateBackend,
      deadlineAt: started + 500,
      waitUntil: (promise) => background.push(promise),
    });
    expect([errorOf(outcome).code, outcomes(outcome.attempts)]).toEqual(['deadline_exceeded', ['timed_out']]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(background).toHaveLength(1);
    await Promise.all(background);
  });

  it('dispatch: a caller that goes away stops dispatch without failover', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const outcome = await dispatch({ candidates: [d1, d2], request: slowRequest, signal: controller.signal });
    expect([errorOf(outcome).code, outcomes(outcome.attempts)]).toEqual(['job_canceled', ['canceled']]);
  });

  it('dispatch: no candidates is its own answer', async () => {
    const outcome = await dispatch({ candidates: [] });
    expect([outcome.ok, !outcome.ok && outcome.error, outcome.attempts]).toEqual([
      false,
      'no_candidates',
      [],
    ]);
  });
});
