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

// The real gpu-node server on 127.0.0.1, around a fake engine whose steps run only when a test
// says so: a job is provably still queued or running whatever the host's speed. One slot and
// room for two queued images, so queue behaviour is easy to provoke.
const currentPool = freshFakeEnginePoolPerTest({
  poolId: 'tight',
  workers: 1,
  maxBatchSize: 1,
  maxQueueSize: 2,
});

const quick = { size: '64x64', steps: 2 } as const;
const promptsSentToEngine = () => currentPool().engine.submitted.map((sample) => sample.prompt);

describe('gpu-node admission', () => {
  it('queue: a full queue answers 503 queue_full with a Retry-After in whole seconds', async () => {
    const pool = currentPool();
    const occupying = [1, 2, 3].map((seed) => generate(pool.url, { prompt: 'occupy', seed, ...quick }));
    await pool.engine.whenSubmitted(1);
    await eventually(() => pool.scheduler.load().queued === 2);
    const refused = expectError(await generate(pool.url, { prompt: 'one too many', seed: 4, ...quick }));
    expect([refused.status, refused.error.code, refused.error.type]).toEqual([
      503,
      'queue_full',
      'overloaded_error',
    ]);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(Number(refused.headers.get('retry-after')))).toBe(true);
    pool.engine.runUntilIdle();
    for (const answer of await Promise.all(occupying)) expectSuccess(answer);
    expect(promptsSentToEngine()).toEqual(['occupy', 'occupy', 'occupy']);
    expect(
      metricValue(await metrics(pool.url), 'spillway_job_failures_total', { reason: 'queue_full' }),
    ).toBe(1);
  });

  it('priority: a high-priority job overtakes queued normal ones', async () => {
    const pool = currentPool();
    const blocker = generate(pool.url, { prompt: 'blocker', seed: 10, ...quick });
    await pool.engine.whenSubmitted(1);
    const normal = generate(pool.url, { prompt: 'normal', seed: 11, ...quick, priority: 'normal' });
    await eventually(() => pool.scheduler.load().queued === 1);
    const high = generate(pool.url, { prompt: 'high', seed: 12, ...quick, priority: 'high' });
    await eventually(() => pool.scheduler.load().queued === 2);
    pool.engine.runUntilIdle();
    for (const answer of await Promise.all([blocker, normal, high])) expectSuccess(answer);
    expect(promptsSentToEngine()).toEqual(['blocker', 'high', 'normal']);
  });

  it('deadline: a queued job past its deadline is dropped before it uses compute', async () => {
    const pool = currentPool();
    const blocker = generate(pool.url, { prompt: 'occupy the slot', seed: 20, ...quick });
    await pool.engine.whenSubmitted(1);
    const late = expectError(
      await generate(pool.url, { prompt: 'in a hurry', seed: 21, ...quick, deadline_ms: 50 }),
    );
    expect([late.status, late.error.code, late.error.type]).toEqual([
      504,
      'deadline_exceeded',
      'timeout_error',
    ]);
    pool.engine.runUntilIdle();
    expectSuccess(await blocker);
    expect(promptsSentToEngine()).toEqual(['occupy the slot']);
    expect(
      metricValue(await metrics(pool.url), 'spillway_job_failures_total', { reason: 'deadline_exceeded' }),
    ).toBe(1);
  });

  it('deadline: a running job that passes its deadline is stopped and its slot freed', async () => {
    const pool = currentPool();
    const answer = generate(pool.url, { prompt: 'too slow', seed: 30, ...quick, deadline_ms: 50 });
    await pool.engine.whenSubmitted(1);
    pool.engine.step();
    expect(expectError(await answer).error.code).toBe('deadline_exceeded');
    expect(pool.engine.cancelRequests).toEqual(pool.engine.runningIds);
    // The engine lets go of the image at its next step boundary.
    pool.engine.step();
    expect((await telemetry(pool.url)).running).toBe(0);
    const after = generate(pool.url, { prompt: 'after', seed: 31, ...quick });
    await pool.engine.whenSubmitted(2);
    pool.engine.runUntilIdle();
    expectSuccess(await after);
  });
});
