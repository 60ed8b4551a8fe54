import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldEngine } from '../../gpu-node/testing/held-engine.ts';
import { startHeldEnginePool } from '../../gpu-node/testing/test-pool.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { SNAPSHOT_HARD_MAX_AGE_MS } from '../../worker/fleet/fleet-cache.ts';
import {
  asJob,
  isTerminal,
  type JobsClient,
  jobsClient,
  quickJob,
  submitJob,
  waitForJob,
} from '../jobs/job-stack.ts';
import { inProcessPool } from '../support/in-process-pool.ts';
import { dispatchToken } from '../support/keys.ts';
import { eventually, expectSuccess, generate } from '../support/pool-client.ts';
import {
  generateViaEdge,
  listingOf,
  poolOf,
  startTestStack,
  TEST_TELEMETRY_TTL_MS,
  waitForRegistry,
  waitForSnapshotRefresh,
  waitForTelemetry,
} from './edge-stack.ts';

// pool-b is a real gpu-node process, so SIGSTOP and SIGKILL reach it. pool-a runs in this process
// around the real engine behind a gate (held-engine.ts): work sent there waits until the test opens
// it, so the test sees where every request went before anything finishes, however fast this host
// computes. pool-a has one slot, pool-b eight.
const heldA = inProcessPool(startHeldEnginePool, { workers: 1, maxBatchSize: 1 });

/**
 * Jobs that fill pool-a's slot and queue. The edge's forecast drains a pool at one slot per job
 * time over a snapshot's life; at `DEFAULT_JOB_MS` a job that is far more than it can drain.
 */
const OCCUPYING_JOBS = 8;
/** A bound for pool-a's queue to reach a state, not an estimate of how long it takes. */
const POOL_WAIT_LIMIT_MS = 30_000;

let stack: LocalStack;
let client: JobsClient;

beforeAll(async () => {
  stack = await startTestStack({
    startPool: { 'pool-a': heldA.start },
    poolFlags: { 'pool-b': ['--workers', '1', '--max-batch-size', '8'] },
  });
  heldA.pool.engine.release();
  client = jobsClient(stack);
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

/** pool-a's load as its own scheduler sees it. */
const loadOfA = () => {
  const { running, queued } = heldA.pool.scheduler.load();
  return running + queued;
};

/**
 * Fills pool-a's slot and queue with held jobs sent straight to it (the edge's job queue would
 * hand its consumer nothing else while they wait). `abort` hangs up on them, so they end without
 * finishing and pool-a still has no measured job time.
 */
// Occupying jobs are typical images (the model's default steps): routing prices a queue by its
// work, and a queue of tiny jobs on a pool that has measured nothing is nearly free.
async function occupyPoolA(engine: HeldEngine) {
  engine.hold();
  const token = await dispatchToken(stack.edgePrivateKey, { audience: 'pool-a' });
  const url = poolOf(stack, 'pool-a').url;
  const hangUp = new AbortController();
  const answers = Array.from({ length: OCCUPYING_JOBS }, (_, seed) =>
    generate(url, { prompt: 'busy', seed, size: '256x256' }, { token, signal: hangUp.signal }),
  );
  await eventually(() => loadOfA() === OCCUPYING_JOBS, POOL_WAIT_LIMIT_MS);
  const abort = async () => {
    hangUp.abort();
    await Promise.allSettled(answers);
  };
  return { answers, abort };
}

/** Waits until the edge's registry holds pool-a's report of `load` images. */
async function registrySeesLoadOfA(load: number): Promise<void> {
  await waitForRegistry(stack, `pool-a carrying ${load} images`, (pools) => {
    const report = listingOf(pools, 'pool-a')?.telemetry;
    return report ? report.queued + report.running === load : false;
  });
}

/** Neither pool has finished a job: the edge prices a job at its DEFAULT_JOB_MS (worker/config.ts) on both. */
async function expectNoMeasuredJobTimes(): Promise<void> {
  const listed = await waitForRegistry(stack, 'telemetry from both pools', (pools) =>
    ['pool-a', 'pool-b'].every((id) => listingOf(pools, id)?.telemetry),
  );
  for (const id of ['pool-a', 'pool-b']) expect(listingOf(listed, id)?.telemetry?.ewma_job_ms).toBeNull();
}

describe('pool faults end to end', () => {
  it('stale telemetry: a pool that stops reporting gets no work', async () => {
    // pool-a full, pool-b empty: were pool-b still eligible, routing would send the job there first
    // (at the same job time on both, however fast this host computes).
    await expectNoMeasuredJobTimes();
    const engine = heldA.pool.engine;
    const occupying = await occupyPoolA(engine);
    await registrySeesLoadOfA(OCCUPYING_JOBS);
    const poolB = poolOf(stack, 'pool-b');
    poolB.process.kill('SIGSTOP');
    let probeId: string | undefined;
    try {
      // The behaviour under test: once pool-b's last report is older than the edge's telemetry TTL,
      // pool-b is out, whatever snapshot the isolate holds (none can hold a newer report). A
      // heartbeat may have been on its way at SIGSTOP: the last report is the one no newer follows.
      // The TTL is longer than a snapshot lives, so by then the isolate also sees pool-a's queue.
      expect(TEST_TELEMETRY_TTL_MS).toBeGreaterThan(SNAPSHOT_HARD_MAX_AGE_MS);
      let lastReport = 0;
      for (;;) {
        const listed = await waitForRegistry(stack, 'a report from pool-b', (pools) =>
          Boolean(listingOf(pools, 'pool-b')?.telemetry_received_at),
        );
        const receivedAt = listingOf(listed, 'pool-b')?.telemetry_received_at ?? 0;
        if (receivedAt === lastReport) break;
        lastReport = receivedAt;
        await new Promise((resolve) =>
          setTimeout(resolve, lastReport + TEST_TELEMETRY_TTL_MS + 1 - Date.now()),
        );
      }
      probeId = (await submitJob(client, quickJob)).id;
      // Its first attempt went to pool-a: one sent to the stopped pool-b first could only have
      // reached pool-a later, as a hedged copy, its second attempt.
      const seen = await waitForJob(client, probeId, (job) => job.pool_id !== null || isTerminal(job));
      expect([seen.pool_id, seen.attempts]).toEqual(['pool-a', 1]);
      await eventually(() => loadOfA() === OCCUPYING_JOBS + 1, POOL_WAIT_LIMIT_MS);
    } finally {
      poolB.process.kill('SIGCONT');
      // Canceled, not finished: pool-a measures no job time, which the failover test relies on.
      if (probeId) await client.cancel(probeId);
      await occupying.abort();
    }
    await eventually(() => loadOfA() === 0, POOL_WAIT_LIMIT_MS);
    if (probeId) expect(asJob((await client.get(probeId)).body).status).toBe('canceled');
  });

  it('failover: a pool killed with SIGKILL stops getting work and requests still succeed', async () => {
    await waitForTelemetry(stack);
    // pool-a full, pool-b empty: the edge prefers pool-b (at the same job time on both).
    await expectNoMeasuredJobTimes();
    const engine = heldA.pool.engine;
    const occupying = await occupyPoolA(engine);
    const victim = poolOf(stack, 'pool-b');
    try {
      await registrySeesLoadOfA(OCCUPYING_JOBS);
      await waitForSnapshotRefresh();
      victim.process.kill('SIGKILL');
      await eventually(() => victim.process.signalCode !== null, POOL_WAIT_LIMIT_MS);
      // Straight after the kill the snapshot still lists pool-b, healthy and the emptier pool: the
      // job goes there, is refused, and fails over to pool-a, its second attempt.
      const failedOverId = (await submitJob(client, quickJob)).id;
      const failedOver = await waitForJob(
        client,
        failedOverId,
        (job) => job.pool_id === 'pool-a' || isTerminal(job),
      );
      expect(failedOver.attempts).toBe(2);
      // Requests right after the kill all succeed, on pool-a.
      const requests = 6;
      const answers = Promise.all(Array.from({ length: requests }, () => generateViaEdge(stack, quickJob)));
      await eventually(() => loadOfA() === OCCUPYING_JOBS + 1 + requests, POOL_WAIT_LIMIT_MS);
      engine.release();
      for (const answer of await answers) expect([answer.status, answer.pool]).toEqual([200, 'pool-a']);
      const done = await waitForJob(client, failedOverId, isTerminal);
      expect(done).toMatchObject({ status: 'succeeded', pool_id: 'pool-a', attempts: 2 });
      // Ejected after the refused connection, then stale: the dead pool gets no more attempts.
      const later = await waitForJob(client, (await submitJob(client, quickJob)).id, isTerminal);
      expect(later).toMatchObject({ status: 'succeeded', pool_id: 'pool-a', attempts: 1 });
    } finally {
      engine.release();
    }
    for (const answer of await Promise.all(occupying.answers)) expectSuccess(answer);
  });
});
