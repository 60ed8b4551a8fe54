import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import type { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import { startFakeEngine, startTestPool, type TestPool } from '../../gpu-node/testing/test-pool.ts';
import { imageMegapixels, stepMsAt } from '../../shared/index.ts';
import { type DispatchOptions, dispatchWithFailover } from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';
import { holdOn, occupyWithQueue, poolCandidate, runUntilSettled } from './held-pools.ts';

// Two real pools in this process around engines the test steps: `busy` has its only slot taken
// and one job queued, both held by the test, so a request sent there is acknowledged as queued at
// position 1 (one image ahead of it in the queue).
let busy: TestPool<FakeBatchEngine>;
let idle: TestPool<FakeBatchEngine>;
// `shared` has room in its batch, where a job the test holds runs.
let shared: TestPool<FakeBatchEngine>;

beforeAll(async () => {
  busy = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 1 });
  idle = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 4 });
  shared = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 4 });
  idle.engine.runFreely();
});
afterAll(async () => {
  await busy?.stop();
  await idle?.stop();
  await shared?.stop();
});

const backend = createGpuNodeBackend();
const candidate = poolCandidate;

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

describe('acknowledgement', () => {
  it('re-route: a request its pool acknowledges behind a queue moves to the next pool before it starts', async () => {
    const holding = await occupyWithQueue(busy);
    const asked: Array<{ poolId: string; position: number }> = [];
    const roundTrips: string[] = [];
    const outcome = await dispatch({
      streamProgress: true,
      ack: {
        moveTo: (from, { position }) => {
          asked.push({ poolId: from.poolId, position });
          return position > 0 ? [candidate(idle, 'idle')] : null;
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
    await runUntilSettled(busy, holding.answers);
    expect(busy.engine.submitted).toHaveLength(2);
  });

  it('re-route: a waiting request hears how long its pool expects the wait, in steps the pool timed', async () => {
    const holding = await occupyWithQueue(busy);
    // One step of the running image (2 steps): one step left, then the queued image's two.
    busy.engine.step(40);
    const asked: Array<{
      position: number;
      batchMegapixels?: number | undefined;
      startInMs?: number | undefined;
    }> = [];
    const outcome = await dispatch({
      streamProgress: true,
      ack: {
        moveTo: (_from, acknowledged) => {
          asked.push(acknowledged);
          return [candidate(idle, 'idle')];
        },
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('idle');
    expect(asked).toHaveLength(1);
    expect(asked[0]?.position).toBe(1);
    expect(asked[0]?.batchMegapixels).toBeCloseTo(imageMegapixels('64x64'), 6);
    // Three steps (the running image's last and the queued image's two) at the step time the pool
    // measured for that batch.
    const stepMs = stepMsAt(busy.scheduler.stepCurve(), imageMegapixels('64x64')) ?? 0;
    expect(stepMs).toBeGreaterThan(0);
    expect(asked[0]?.startInMs).toBeCloseTo(3 * stepMs, -1);
    await runUntilSettled(busy, holding.answers);
  });

  it('re-route: a request acknowledged at the head of an idle pool stays, and sync calls report progress', async () => {
    const progress: string[] = [];
    const outcome = await dispatch({
      candidates: [candidate(idle, 'idle'), candidate(busy, 'busy')],
      streamProgress: true,
      ack: {
        moveTo: (_from, { position }) => (position > 0 ? [candidate(busy, 'busy')] : null),
        onPoolProgress: (poolId) => progress.push(poolId),
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('idle');
    expect(outcome.attempts.map((attempt) => attempt.outcome)).toEqual(['ok']);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(new Set(progress)).toEqual(new Set(['idle']));
  });

  it('re-route: a request that went straight into a batch hears its size and moves when told to', async () => {
    const holder = holdOn(shared);
    await shared.engine.whenSubmitted(shared.engine.submitted.length + 1);
    const asked: Array<{ poolId: string; position: number; batchMegapixels: number | undefined }> = [];
    const outcome = await dispatch({
      candidates: [candidate(shared, 'shared')],
      streamProgress: true,
      ack: {
        moveTo: (from, { position, batchMegapixels }) => {
          asked.push({ poolId: from.poolId, position, batchMegapixels });
          return batchMegapixels !== undefined ? [candidate(idle, 'idle')] : null;
        },
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('idle');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['shared', 'rerouted'],
      ['idle', 'ok'],
    ]);
    // Its own 64x64 image and the one the holder runs: the batch it joined.
    expect(asked).toEqual([{ poolId: 'shared', position: 0, batchMegapixels: 2 * imageMegapixels('64x64') }]);
    expect((await runUntilSettled(shared, holder)).status).toBe(200);
  });

  it('re-route: a request never goes back to a pool it moved off (the pool keeps that job id, canceled)', async () => {
    const holder = holdOn(shared);
    await shared.engine.whenSubmitted(shared.engine.submitted.length + 1);
    const holding = await occupyWithQueue(busy);
    const asked: string[] = [];
    const outcome = dispatch({
      candidates: [candidate(busy, 'busy')],
      streamProgress: true,
      ack: {
        // Each pool in turn says the other is better: busy -> shared, then shared -> busy.
        moveTo: (from) => {
          asked.push(from.poolId);
          return [from.poolId === 'busy' ? candidate(shared, 'shared') : candidate(busy, 'busy')];
        },
      },
    });
    while (asked.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const result = await runUntilSettled(shared, outcome);
    expect(result.ok && result.poolId).toBe('shared');
    expect(result.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['busy', 'rerouted'],
      ['shared', 'ok'],
    ]);
    expect((await runUntilSettled(shared, holder)).status).toBe(200);
    await runUntilSettled(busy, holding.answers);
  });
});
