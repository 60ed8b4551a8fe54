import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { waitForTelemetry } from '../edge/edge-stack.ts';
import { asJob, jobsClient, readEvents, slowJob, startJobStack, waitForJob } from './job-stack.ts';

/** A consumer's claim lapses 3 s after its isolate went away; then the job object re-enqueues it. */
const LEASE_MS = 3_000;

let stack: LocalStack;
let client: ReturnType<typeof jobsClient>;

beforeAll(async () => {
  stack = await startJobStack({ JOB_CLAIM_LEASE_MS: String(LEASE_MS) });
  client = jobsClient(stack);
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe('job recovery end to end', () => {
  it('isolate restart: a job running when workerd restarts still succeeds, once, on the persisted state', async () => {
    const job = asJob((await client.submit(slowJob)).body);
    const running = await waitForJob(client, job.id, (seen) => seen.status === 'running');
    expect(running.attempts).toBe(1);
    await stack.restartEdge();
    const done = await waitForJob(
      client,
      job.id,
      (seen) => seen.status !== 'queued' && seen.status !== 'running',
      90_000,
    );
    expect(done.status).toBe('succeeded');
    // The restarted edge dispatched it again (the first pool call died with the isolate).
    expect(done.attempts).toBeGreaterThanOrEqual(2);
    expect(done.result?.data).toHaveLength(1);
    const image = await fetch(done.result?.data[0]?.url ?? '');
    expect(image.status).toBe(200);
    // Still one result: reading it again later gives the same job, created at the same time.
    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 500));
    const later = asJob((await client.get(job.id)).body);
    expect([later.status, later.result?.created, later.attempts]).toEqual([
      'succeeded',
      done.result?.created,
      done.attempts,
    ]);
  }, 120_000);

  it('pool killed mid-job: the job fails over to the other pool and succeeds exactly once', async () => {
    await waitForTelemetry(stack);
    const job = asJob((await client.submit(slowJob)).body);
    const stream = client.events(job.id).then(readEvents);
    const running = await waitForJob(client, job.id, (seen) => seen.status === 'running');
    const victim = stack.pools.find((pool) => pool.id === running.pool_id);
    const survivor = stack.pools.find((pool) => pool.id !== running.pool_id);
    if (!victim || !survivor) throw new Error(`expected two pools, one running ${running.pool_id}`);
    victim.process.kill('SIGKILL');
    const done = await waitForJob(
      client,
      job.id,
      (seen) => seen.status !== 'queued' && seen.status !== 'running',
      90_000,
    );
    expect(done).toMatchObject({ status: 'succeeded', pool_id: survivor.id, error: null });
    expect(done.attempts).toBe(2);
    expect(done.result?.data).toHaveLength(1);
    expect((await fetch(done.result?.data[0]?.url ?? '')).status).toBe(200);
    const events = await stream;
    expect(events.filter((event) => event.event === 'succeeded')).toHaveLength(1);
    expect(events.filter((event) => event.event === 'failed')).toHaveLength(0);
    // The job ran on the victim, then on the survivor: never back, never anywhere else.
    const pools = events
      .filter((event) => event.event === 'running')
      .map((event) => asJob(JSON.parse(event.data)).pool_id)
      .filter((pool, index, all) => index === 0 || all[index - 1] !== pool);
    expect(pools).toEqual([victim.id, survivor.id]);
  }, 120_000);
});
