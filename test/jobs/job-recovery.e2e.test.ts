import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { poolOf, type TestPoolId, waitForTelemetry } from '../edge/edge-stack.ts';
import { samplesOf } from '../support/stepped-pool-process.ts';
import { type ServerSentEvent, watchEvents } from './job-events.ts';
import {
  asJob,
  isTerminal,
  type JobStack,
  type JobsClient,
  jobsClient,
  otherTenantKey,
  startJobStack,
  steppedJob,
  stepUntil,
  submitJob,
  waitForJob,
  whenOnEngine,
} from './job-stack.ts';

/** A consumer's claim lapses this long after its isolate went away; then the job object re-enqueues it. */
const LEASE_MS = 3_000;
/** After a lease, time for the job object's alarm to fire and enqueue the job again, were it to. */
const ALARM_SLACK_MS = 500;
/** A bound for recovery after a restart or a kill, not an estimate of how long it takes. */
const RECOVERY_LIMIT_MS = 90_000;
/** How often the pools' engines are asked whether they were handed a job. */
const ENGINE_POLL_MS = 50;

let stack: LocalStack;
let engines: JobStack['engines'];
let client: JobsClient;
/** A tenant whose jobs run only on pool-a: no hedge or failover moves them off the engine the test steps. */
let pinned: JobsClient;

beforeAll(async () => {
  ({ stack, engines } = await startJobStack({ JOB_CLAIM_LEASE_MS: String(LEASE_MS) }));
  client = jobsClient(stack);
  pinned = jobsClient(stack, await otherTenantKey(stack, 'pinned', ['provider-a']));
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const poolIds: readonly TestPoolId[] = ['pool-a', 'pool-b'];
const poolOfEvent = (event: ServerSentEvent) => asJob(JSON.parse(event.data)).pool_id;

/** The pool whose engine was handed the job with `prompt` first. */
async function firstPoolHanded(prompt: string): Promise<TestPoolId> {
  for (;;) {
    for (const id of poolIds) if (samplesOf(await engines[id].state(), prompt).length > 0) return id;
    await new Promise((resolve) => setTimeout(resolve, ENGINE_POLL_MS));
  }
}

describe('job recovery end to end', () => {
  it('isolate restart: a job running when workerd restarts still succeeds, once, on the persisted state', async () => {
    const engine = engines['pool-a'];
    await engine.pause();
    const body = steppedJob('a job across a workerd restart');
    try {
      const job = await submitJob(pinned, body);
      await whenOnEngine(engine, body.prompt);
      await engine.step();
      const running = await waitForJob(
        pinned,
        job.id,
        (seen) => seen.status === 'running' || isTerminal(seen),
      );
      expect(running).toMatchObject({ status: 'running', attempts: 1, pool_id: 'pool-a' });
      // One step in, it goes no further until after the restart.
      await stack.restartEdge();
      await engine.runFreely();
      const done = await waitForJob(pinned, job.id, isTerminal, RECOVERY_LIMIT_MS);
      expect(done.status).toBe('succeeded');
      // The restarted edge dispatched it again (the first pool call died with the isolate).
      expect(done.attempts).toBeGreaterThanOrEqual(2);
      expect(done.result?.data).toHaveLength(1);
      const image = await fetch(done.result?.data[0]?.url ?? '');
      expect(image.status).toBe(200);
      // Still one result: a lease later (when a claim left behind would have lapsed and been run
      // again), the job is the same, created at the same time, and no pool was handed it again.
      const handed = samplesOf(await engine.state(), body.prompt).length;
      await new Promise((resolve) => setTimeout(resolve, LEASE_MS + ALARM_SLACK_MS));
      const later = asJob((await pinned.get(job.id)).body);
      expect([later.status, later.result?.created, later.attempts]).toEqual([
        'succeeded',
        done.result?.created,
        done.attempts,
      ]);
      expect(samplesOf(await engine.state(), body.prompt)).toHaveLength(handed);
    } finally {
      await engine.runFreely();
    }
  }, 120_000);

  it('pool killed mid-job: the job fails over to the other pool and succeeds exactly once', async () => {
    await waitForTelemetry(stack);
    await Promise.all(poolIds.map((id) => engines[id].pause()));
    const body = steppedJob('a job whose pool is killed');
    try {
      const job = await submitJob(client, body);
      const watch = watchEvents(await client.events(job.id));
      // Whichever pool routing picked is the victim; the job is one step in there when it dies.
      const victimId = await firstPoolHanded(body.prompt);
      const survivorId = poolIds.find((id) => id !== victimId);
      if (!survivorId) throw new Error('expected two pools');
      const survivor = engines[survivorId];
      await engines[victimId].step();
      const running = await watch.until((event) => event.event === 'running');
      expect(poolOfEvent(running)).toBe(victimId);
      poolOf(stack, victimId).process.kill('SIGKILL');
      // The survivor is handed the job (failed over, or a hedged copy already waiting there) and
      // runs it at the test's pace until the edge shows it running there.
      await whenOnEngine(survivor, body.prompt);
      await stepUntil(survivor, () =>
        watch.events.some((event) => event.event === 'running' && poolOfEvent(event) === survivorId),
      );
      await survivor.runFreely();
      const done = await waitForJob(client, job.id, isTerminal, RECOVERY_LIMIT_MS);
      expect(done).toMatchObject({ status: 'succeeded', pool_id: survivorId, error: null });
      expect(done.attempts).toBe(2);
      expect(done.result?.data).toHaveLength(1);
      expect((await fetch(done.result?.data[0]?.url ?? '')).status).toBe(200);
      const events = await watch.ended;
      expect(events.filter((event) => event.event === 'succeeded')).toHaveLength(1);
      expect(events.filter((event) => event.event === 'failed')).toHaveLength(0);
      // The job ran on the victim, then on the survivor: never back, never anywhere else.
      const pools = events
        .filter((event) => event.event === 'running')
        .map(poolOfEvent)
        .filter((pool, index, all) => index === 0 || all[index - 1] !== pool);
      expect(pools).toEqual([victimId, survivorId]);
    } finally {
      // The victim is gone; every other pool goes back to finishing work by itself.
      for (const id of poolIds) await engines[id].runFreely().catch(() => undefined);
    }
  }, 120_000);
});
