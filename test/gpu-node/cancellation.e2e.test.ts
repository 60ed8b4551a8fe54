import { describe, expect, it } from 'vitest';
import { freshFakeEnginePoolPerTest } from '../../gpu-node/testing/test-pool.ts';
import {
  eventually,
  expectError,
  expectSuccess,
  generate,
  metrics,
  metricValue,
  telemetry,
} from '../support/pool-client.ts';

// The real gpu-node server on 127.0.0.1 around a fake engine that steps only when told to, so a
// job is provably still running when the test cancels it.
const currentPool = freshFakeEnginePoolPerTest({ poolId: 'cancel', workers: 1, maxBatchSize: 2 });

const long = { size: '64x64', steps: 100 } as const;
const jobUrl = (jobId: string) => `${currentPool().url}/v1/jobs/${jobId}`;

describe('gpu-node cancellation', () => {
  it('cancel: DELETE stops a running job, its waiter gets job_canceled and the slot frees', async () => {
    const pool = currentPool();
    const waiting = generate(pool.url, { prompt: 'long', seed: 1, ...long, job_id: 'job-cancel-1' });
    await pool.engine.whenSubmitted(1);
    pool.engine.step();
    const deleted = await fetch(jobUrl('job-cancel-1'), { method: 'DELETE' });
    expect([deleted.status, await deleted.json()]).toEqual([200, { id: 'job-cancel-1', status: 'canceled' }]);
    const error = expectError(await waiting);
    expect([error.status, error.error.code]).toEqual([409, 'job_canceled']);
    expect(pool.engine.cancelRequests).toEqual(pool.engine.runningIds);
    pool.engine.step();
    expect((await telemetry(pool.url)).running).toBe(0);
    expect((await fetch(jobUrl('no-such-job'), { method: 'DELETE' })).status).toBe(404);
  });

  it('disconnect: a client that hangs up frees its slot', async () => {
    const pool = currentPool();
    const controller = new AbortController();
    const waiting = generate(
      pool.url,
      { prompt: 'abandoned', seed: 3, ...long },
      { signal: controller.signal },
    );
    await pool.engine.whenSubmitted(1);
    controller.abort();
    await expect(waiting).rejects.toThrow();
    await eventually(() => pool.engine.cancelRequests.length === 1);
    pool.engine.step();
    expect((await telemetry(pool.url)).running).toBe(0);
    expect(metricValue(await metrics(pool.url), 'spillway_jobs_total', { outcome: 'canceled' })).toBe(1);
  });

  it('jobs: GET tells a queued job’s position and a running job’s state, then its outcome', async () => {
    const pool = currentPool();
    const running = generate(pool.url, { prompt: 'a', seed: 1, ...long, n: 2, job_id: 'job-running' });
    const queued = generate(pool.url, { prompt: 'b', seed: 2, ...long, job_id: 'job-queued' });
    await pool.engine.whenSubmitted(2);
    await eventually(() => pool.scheduler.load().queued === 1);
    const status = async (jobId: string) => (await fetch(jobUrl(jobId))).json();
    expect(await status('job-running')).toEqual({
      id: 'job-running',
      status: 'running',
      queue_position: null,
      steps: long.steps,
    });
    expect(await status('job-queued')).toMatchObject({ status: 'queued', queue_position: 0 });
    pool.engine.runUntilIdle();
    for (const answer of await Promise.all([running, queued])) expectSuccess(answer);
    expect(await status('job-queued')).toMatchObject({ status: 'succeeded', queue_position: null });
  });
});
