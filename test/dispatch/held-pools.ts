import type { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import type { TestPool } from '../../gpu-node/testing/test-pool.ts';
import type { DispatchCandidate } from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';

// Real pools around engines a dispatch test steps: the calls that occupy them, and letting them run.

/** `pool` as routing would hand it to the dispatcher, named `poolId`. */
export function poolCandidate(pool: TestPool<FakeBatchEngine>, poolId: string): DispatchCandidate {
  return { poolId, providerId: `provider-${poolId}`, url: pool.url, protocol: 'gpu-node', predictedMs: 100 };
}

/** Sends a job to `pool` that waits there until the test lets its engine run. */
export function holdOn(pool: TestPool<FakeBatchEngine>): Promise<Response> {
  return fetch(`${pool.url}/v1/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...quickRequest, job_id: `holder-${crypto.randomUUID()}` }),
  });
}

/**
 * Fills a one-slot pool: one held job running and one queued, so a call there is acknowledged at
 * queue position 1. `answers` settles once the test lets its engine run.
 */
export async function occupyWithQueue(
  pool: TestPool<FakeBatchEngine>,
): Promise<{ answers: Promise<Response[]> }> {
  const running = holdOn(pool);
  await pool.engine.whenSubmitted(pool.engine.submitted.length + 1);
  const queued = holdOn(pool);
  await new Promise<void>((resolve) => {
    const check = () => (pool.scheduler.load().queued >= 1 ? resolve() : setTimeout(check, 10));
    check();
  });
  return { answers: Promise.all([running, queued]) };
}

/** Lets the pool's engine run until `settling` settles, then holds it again. */
export async function runUntilSettled<T>(pool: TestPool<FakeBatchEngine>, settling: Promise<T>): Promise<T> {
  pool.engine.runFreely();
  try {
    return await settling;
  } finally {
    pool.engine.pause();
  }
}
