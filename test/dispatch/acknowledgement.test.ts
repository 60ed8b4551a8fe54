import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import type { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import { startFakeEngine, startTestPool, type TestPool } from '../../gpu-node/testing/test-pool.ts';
import {
  type DispatchCandidate,
  type DispatchOptions,
  dispatchWithFailover,
} from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';

// Two real pools in this process around engines the test steps: `busy` has its only slot taken
// and one job queued, both held by the test, so a request sent there is acknowledged as queued at
// position 1 (one image ahead of it in the queue).
let busy: TestPool<FakeBatchEngine>;
let idle: TestPool<FakeBatchEngine>;

beforeAll(async () => {
  busy = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 1 });
  idle = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 4 });
  idle.engine.runFreely();
});
afterAll(async () => {
  await busy?.stop();
  await idle?.stop();
});

const backend = createGpuNodeBackend();
const candidate = (pool: TestPool<FakeBatchEngine>, poolId: string): DispatchCandidate => ({
  poolId,
  providerId: `provider-${poolId}`,
  url: pool.url,
  protocol: 'gpu-node',
  predictedMs: 100,
});

function dispatch(overrides: Partial<DispatchOptions>) {
  return dispatchWithFailover({
    candidates: [candidate(busy, 'busy'), candidate(idle, 'idle')],
    request: quickRequest,
    jobId: `ack-${crypto.randomUUID()}`,
    deadlineAt: Date.now() + 10_000,
    backendFor: () => backend,
    tokenFor: async () => 'unused',
    now: () => Date.now(),
    ...overrides,
  });
}

/** Fills the busy pool; `answers` settles once the test lets its engine run. */
async function occupyBusyPool(): Promise<{ answers: Promise<Response[]> }> {
  const hold = () =>
    fetch(`${busy.url}/v1/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...quickRequest, job_id: `holder-${crypto.randomUUID()}` }),
    });
  const running = hold();
  await busy.engine.whenSubmitted(busy.engine.submitted.length + 1);
  const queued = hold();
  await new Promise<void>((resolve) => {
    const check = () => (busy.scheduler.load().queued >= 1 ? resolve() : setTimeout(check, 10));
    check();
  });
  return { answers: Promise.all([running, queued]) };
}

describe('acknowledgement', () => {
  it('re-route: a request its pool acknowledges behind a queue moves to the next pool before it starts', async () => {
    const holding = await occupyBusyPool();
    const asked: Array<{ poolId: string; position: number }> = [];
    const roundTrips: string[] = [];
    const outcome = await dispatch({
      streamProgress: true,
      ack: {
        shouldMove: (from, position) => {
          asked.push({ poolId: from.poolId, position });
          return position > 0;
        },
        onRoundTrip: (poolId) => roundTrips.push(poolId),
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('idle');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['busy', 'rerouted'],
      ['idle', 'ok'],
    ]);
    expect(asked).toEqual([{ poolId: 'busy', position: 1 }]);
    expect(roundTrips).toEqual(['busy', 'idle']);
    // The moved request never reached the busy pool's engine: it was cancelled while queued.
    busy.engine.runFreely();
    await holding.answers;
    busy.engine.pause();
    expect(busy.engine.submitted).toHaveLength(2);
  });

  it('re-route: a request acknowledged at the head of an idle pool stays, and sync calls report progress', async () => {
    const progress: string[] = [];
    const outcome = await dispatch({
      candidates: [candidate(idle, 'idle'), candidate(busy, 'busy')],
      streamProgress: true,
      ack: {
        shouldMove: (_from, position) => position > 0,
        onPoolProgress: (poolId) => progress.push(poolId),
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('idle');
    expect(outcome.attempts.map((attempt) => attempt.outcome)).toEqual(['ok']);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(new Set(progress)).toEqual(new Set(['idle']));
  });
});
