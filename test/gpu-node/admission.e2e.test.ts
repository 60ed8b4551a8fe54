import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import {
  eventually,
  expectError,
  expectSuccess,
  generate,
  metrics,
  metricValue,
  telemetry,
} from '../support/pool-client.ts';

// A pool with one slot and room for two queued images, so queue behaviour is easy to provoke.
let pool: GpuNodeProcess;

beforeAll(async () => {
  pool = await startGpuNode([
    '--pool-id',
    'tight',
    '--insecure-no-auth',
    '--workers',
    '1',
    '--max-batch-size',
    '1',
    '--max-queue-size',
    '2',
  ]);
});
afterAll(async () => {
  await pool.kill();
});

const long = { prompt: 'occupy the slot', size: '256x256', steps: 60 } as const;
const quick = { size: '64x64', steps: 2 } as const;

describe('gpu-node admission', () => {
  it('queue: a full queue answers 503 queue_full with a Retry-After in whole seconds', async () => {
    const occupying = [
      generate(pool.url, { ...long, seed: 1 }),
      generate(pool.url, { ...long, seed: 2 }),
      generate(pool.url, { ...long, seed: 3 }),
    ];
    await eventually(async () => {
      const load = await telemetry(pool.url);
      return load.running === 1 && load.queued === 2;
    });
    const refused = expectError(await generate(pool.url, { prompt: 'one too many', seed: 4, ...quick }));
    expect([refused.status, refused.error.code, refused.error.type]).toEqual([
      503,
      'queue_full',
      'overloaded_error',
    ]);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(Number(refused.headers.get('retry-after')))).toBe(true);
    for (const answer of await Promise.all(occupying)) expectSuccess(answer);
    expect(
      metricValue(await metrics(pool.url), 'spillway_job_failures_total', { reason: 'queue_full' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('priority: a high-priority job overtakes queued normal ones', async () => {
    const finished: string[] = [];
    const track = (name: string, answer: ReturnType<typeof generate>) =>
      answer.then((result) => {
        expectSuccess(result);
        finished.push(name);
      });
    const blocker = track('blocker', generate(pool.url, { ...long, seed: 10 }));
    await eventually(async () => (await telemetry(pool.url)).running === 1);
    const normal = track(
      'normal',
      generate(pool.url, { prompt: 'normal', seed: 11, ...quick, priority: 'normal' }),
    );
    await eventually(async () => (await telemetry(pool.url)).queued === 1);
    const high = track('high', generate(pool.url, { prompt: 'high', seed: 12, ...quick, priority: 'high' }));
    await Promise.all([blocker, normal, high]);
    expect(finished).toEqual(['blocker', 'high', 'normal']);
  });

  it('deadline: a queued job past its deadline is dropped before it uses compute', async () => {
    const blocker = generate(pool.url, { ...long, seed: 20 });
    await eventually(async () => (await telemetry(pool.url)).running === 1);
    const stepsBefore = metricValue(await metrics(pool.url), 'spillway_batch_size');
    const late = expectError(
      await generate(pool.url, { prompt: 'in a hurry', seed: 21, ...quick, deadline_ms: 50 }),
    );
    expect([late.status, late.error.code, late.error.type]).toEqual([
      504,
      'deadline_exceeded',
      'timeout_error',
    ]);
    expectSuccess(await blocker);
    const failures = await metrics(pool.url);
    expect(metricValue(failures, 'spillway_job_failures_total', { reason: 'deadline_exceeded' })).toBe(1);
    // Only the blocker's 60 steps ran: the late job never reached the batch.
    expect(metricValue(failures, 'spillway_batch_size') - stepsBefore).toBeLessThanOrEqual(60);
  });

  it('deadline: a running job that passes its deadline is stopped and its slot freed', async () => {
    // Several times the deadline on any host (60 steps at 256x256 finish inside 150 ms on a fast one).
    const longest = { prompt: 'occupy the slot', size: '512x512', steps: 100 } as const;
    const answer = expectError(await generate(pool.url, { ...longest, seed: 30, deadline_ms: 150 }));
    expect(answer.error.code).toBe('deadline_exceeded');
    await eventually(async () => (await telemetry(pool.url)).running === 0);
    expectSuccess(await generate(pool.url, { prompt: 'after', seed: 31, ...quick }));
  });
});
