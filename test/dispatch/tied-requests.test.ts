import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import type { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import { startFakeEngine, startTestPool, type TestPool } from '../../gpu-node/testing/test-pool.ts';
import {
  type AttemptRecord,
  type DispatchCandidate,
  type DispatchOptions,
  dispatchWithFailover,
  type PoolAcknowledgement,
} from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';
import { occupyWithQueue, poolCandidate, runUntilSettled } from './held-pools.ts';

// Real pools in this process around engines the test steps. `busy` has its only slot taken and
// a job queued, both held by the test, so a call there is acknowledged at queue position 1.
// `roomy` has free slots but its engine is paused: a call there is acknowledged straight into a
// batch (position 0) and then waits, so the tie is settled on the acknowledgements alone.
// `silent` takes calls and never answers a word.
let busy: TestPool<FakeBatchEngine>;
let roomy: TestPool<FakeBatchEngine>;
let silent: Server;
let silentUrl: string;

beforeAll(async () => {
  busy = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 1 });
  roomy = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 4 });
  silent = createServer(() => undefined);
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await busy?.stop();
  await roomy?.stop();
  silent?.closeAllConnections();
  await new Promise((resolve) => silent?.close(resolve));
});

const backend = createGpuNodeBackend();
const candidate = poolCandidate;

/** Prices an acknowledgement as the Worker would: a queue is slow, a place in a batch quick. */
const remainingMs = (_candidate: DispatchCandidate, { position }: PoolAcknowledgement) =>
  position > 0 ? 5_000 : 50;

function dispatch(overrides: Partial<DispatchOptions>) {
  return dispatchWithFailover({
    candidates: [candidate(busy, 'busy'), candidate(roomy, 'roomy')],
    request: quickRequest,
    jobId: `tie-${crypto.randomUUID()}`,
    deadlineAt: Date.now() + 10_000,
    backendFor: () => backend,
    tokenFor: async () => 'unused',
    now: () => Date.now(),
    streamProgress: true,
    tie: true,
    ...overrides,
  });
}

/** Resolves with the first attempt recorded as `outcome`. */
function attemptEnding(outcome: AttemptRecord['outcome'], seen: AttemptRecord[]): Promise<AttemptRecord> {
  return new Promise((resolve) => {
    const check = () => {
      const found = seen.find((attempt) => attempt.outcome === outcome);
      if (found) resolve(found);
      else setTimeout(check, 5);
    };
    check();
  });
}

describe('tied requests', () => {
  it('tie: both pools are called at once and the one that acknowledges a queue is dropped before it runs', async () => {
    const holding = await occupyWithQueue(busy);
    const seen: AttemptRecord[] = [];
    const moves: string[] = [];
    const submittedBefore = busy.engine.submitted.length;
    let settled = 0;
    const dispatched = dispatch({
      onAttempt: (attempt) => seen.push(attempt),
      onTieSettled: () => settled++,
      ack: {
        remainingMs,
        // A tied request already chose between two pools: it is never moved.
        moveTo: (from) => {
          moves.push(from.poolId);
          return [candidate(roomy, 'roomy')];
        },
      },
    });
    // Settled on the acknowledgements alone: `roomy` still holds its copy unstarted.
    const dropped = await attemptEnding('tie_lost', seen);
    expect(dropped.poolId).toBe('busy');
    // Settled as one copy is dropped, while the other has yet to run: the isolate may tie again.
    expect(settled).toBe(1);
    const outcome = await runUntilSettled(roomy, dispatched);
    expect(outcome.ok && outcome.poolId).toBe('roomy');
    expect(settled).toBe(1);
    expect(
      outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome, attempt.tie ?? false]),
    ).toEqual([
      ['busy', 'tie_lost', false],
      ['roomy', 'ok', true],
    ]);
    expect(moves).toEqual([]);
    // The dropped copy never reached the busy pool's engine: it was cancelled while queued, and
    // only the queued holder ran after the running one.
    await runUntilSettled(busy, holding.answers);
    expect(busy.engine.submitted).toHaveLength(submittedBefore + 1);
  });

  it('tie: the second call is the one dropped when the first pool is expected to finish it sooner', async () => {
    const holding = await occupyWithQueue(busy);
    const seen: AttemptRecord[] = [];
    const dispatched = dispatch({
      candidates: [candidate(roomy, 'roomy'), candidate(busy, 'busy')],
      onAttempt: (attempt) => seen.push(attempt),
      ack: { remainingMs },
    });
    const dropped = await attemptEnding('tie_lost', seen);
    expect(dropped).toMatchObject({ poolId: 'busy', tie: true });
    const outcome = await runUntilSettled(roomy, dispatched);
    expect(outcome.ok && outcome.poolId).toBe('roomy');
    await runUntilSettled(busy, holding.answers);
  });

  it('tie: a call already as quick as it can be drops its pair before the other pool says a word', async () => {
    const seen: AttemptRecord[] = [];
    const dispatched = dispatch({
      candidates: [candidate(roomy, 'roomy'), { ...candidate(roomy, 'silent'), url: silentUrl }],
      onAttempt: (attempt) => seen.push(attempt),
      // Alone, the request takes 50 ms on `roomy` and 5 s on `silent`.
      ack: { remainingMs, unloadedMs: (called) => (called.poolId === 'silent' ? 5_000 : 50) },
    });
    const dropped = await attemptEnding('tie_lost', seen);
    expect(dropped).toMatchObject({ poolId: 'silent', tie: true });
    const outcome = await runUntilSettled(roomy, dispatched);
    expect(outcome.ok && outcome.poolId).toBe('roomy');
  });

  it('tie: without a way to price acknowledgements, or with one candidate, a single pool is called', async () => {
    roomy.engine.runFreely();
    const unpriced = await dispatch({ candidates: [candidate(roomy, 'roomy'), candidate(busy, 'busy')] });
    const single = await dispatch({ candidates: [candidate(roomy, 'roomy')], ack: { remainingMs } });
    roomy.engine.pause();
    for (const outcome of [unpriced, single]) {
      expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([['roomy', 'ok']]);
    }
  });

  it('tie: a request with a single candidate is not tied, and still moves off a queue', async () => {
    const holding = await occupyWithQueue(busy);
    roomy.engine.runFreely();
    const outcome = await dispatch({
      candidates: [candidate(busy, 'busy')],
      ack: {
        remainingMs,
        moveTo: (_from, { position }) => (position > 0 ? [candidate(roomy, 'roomy')] : null),
      },
    });
    roomy.engine.pause();
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['busy', 'rerouted'],
      ['roomy', 'ok'],
    ]);
    await runUntilSettled(busy, holding.answers);
  });
});
