import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { waitForTelemetry } from '../edge/edge-stack.ts';
import { eventually, expectSuccess } from '../support/pool-client.ts';
import { samplesOf } from '../support/stepped-pool-process.ts';
import { readEvents, type ServerSentEvent, watchEvents } from './job-events.ts';
import {
  asJob,
  isTerminal,
  type JobStack,
  type JobsClient,
  jobsClient,
  otherTenantKey,
  quickJob,
  sendToPool,
  startJobStack,
  steppedJob,
  stepUntil,
  submitJob,
  waitForJob,
  whenOnEngine,
} from './job-stack.ts';

/** A bound for a pool's queue to reach a state, not an estimate of how long it takes. */
const POOL_WAIT_LIMIT_MS = 30_000;

let stack: LocalStack;
let engines: JobStack['engines'];
let client: JobsClient;
/** A tenant whose jobs run only on pool-a: no hedge or failover moves them off the engine the test steps. */
let pinned: JobsClient;

beforeAll(async () => {
  ({ stack, engines } = await startJobStack());
  client = jobsClient(stack);
  pinned = jobsClient(stack, await otherTenantKey(stack, 'pinned', ['provider-a']));
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const metrics = async () =>
  (
    await fetch(`${stack.edgeUrl}/v1/admin/metrics`, {
      headers: { authorization: `Bearer ${stack.operatorToken}` },
    })
  ).text();
const progressOf = (event: ServerSentEvent) => asJob(JSON.parse(event.data)).progress;
const queuedOnPoolA = (count: number) =>
  eventually(async () => (await engines['pool-a'].state()).queued === count, POOL_WAIT_LIMIT_MS);

describe('jobs API end to end', () => {
  it('submit and poll: 202 with the job, then succeeded with a signed URL serving the PNG', async () => {
    const submitted = await client.submit({ ...quickJob, n: 2 });
    expect(submitted.status).toBe(202);
    const job = asJob(submitted.body);
    expect(job).toMatchObject({ status: 'queued', attempts: 0, pool_id: null, result: null, error: null });
    expect(job.status_url).toBe(`${stack.edgeUrl}/v1/jobs/${job.id}`);
    expect(job.events_url).toBe(`${stack.edgeUrl}/v1/jobs/${job.id}/events`);
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    const done = await waitForJob(client, job.id, isTerminal);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1, error: null, queue_position: null });
    expect(['pool-a', 'pool-b']).toContain(done.pool_id);
    expect(done.result?.data).toHaveLength(2);
    for (const image of done.result?.data ?? []) {
      const response = await fetch(image.url ?? '');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('image/png');
      expect(
        Buffer.from(await response.arrayBuffer())
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    }
  });

  it('long-poll: Prefer: wait=N answers once the job is terminal, with Preference-Applied', async () => {
    const job = asJob((await client.submit(quickJob)).body);
    const answer = await client.get(job.id, { prefer: 'wait=30' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('preference-applied')).toBe('wait=30');
    expect(asJob(answer.body).status).toBe('succeeded');
  });

  it('SSE: one event per state, named by status, id = version, ending after the terminal one; Last-Event-ID resumes', async () => {
    const engine = engines['pool-a'];
    await engine.pause();
    const body = steppedJob('an SSE lighthouse');
    try {
      const job = await submitJob(pinned, body);
      const watch = watchEvents(await pinned.events(job.id));
      // Steps at the test's pace: the first shows at once, then steps go on until a later one shows.
      await whenOnEngine(engine, body.prompt);
      await engine.step();
      const firstStep = progressOf(await watch.until((event) => event.event === 'running'))?.step ?? 0;
      await stepUntil(engine, () =>
        watch.events.some((event) => event.event === 'running' && (progressOf(event)?.step ?? 0) > firstStep),
      );
      await engine.runFreely();
      const events = await watch.ended;
      const statuses = events.map((event) => event.event);
      expect(statuses[0]).toBe('queued');
      expect(statuses).toContain('running');
      expect(statuses.at(-1)).toBe('succeeded');
      expect(statuses.filter((status) => status === 'succeeded')).toHaveLength(1);
      const versions = events.map((event) => Number(event.id));
      expect(versions).toEqual([...versions].sort((a, b) => a - b));
      for (const event of events) expect(asJob(JSON.parse(event.data)).status).toBe(event.event);
      // Running events carry the pool's step progress, rising towards the request's steps.
      const steps = events
        .filter((event) => event.event === 'running')
        .map(progressOf)
        .flatMap((progress) => (progress ? [progress] : []));
      expect(steps.length).toBeGreaterThan(1);
      for (const progress of steps) expect(progress.steps).toBe(body.steps);
      const stepNumbers = steps.map((progress) => progress.step);
      expect(stepNumbers).toEqual([...stepNumbers].sort((a, b) => a - b));
      const last = events.at(-1);
      const beforeLast = events.at(-2);
      if (!last || !beforeLast) throw new Error('expected at least two events');
      const resumed = await readEvents(await pinned.events(job.id, { 'last-event-id': beforeLast.id }));
      expect(resumed.map((event) => [event.event, event.id])).toEqual([[last.event, last.id]]);
      const afterEnd = await readEvents(await pinned.events(job.id, { 'last-event-id': last.id }));
      expect(afterEnd).toEqual([]);
      // An id this job never gave (another job's, or made up) gets its current state, not silence.
      const foreign = await readEvents(
        await pinned.events(job.id, { 'last-event-id': String(Number(last.id) + 100) }),
      );
      expect(foreign.map((event) => [event.event, event.id])).toEqual([[last.event, last.id]]);
    } finally {
      await engine.runFreely();
    }
  });

  it('cancel: DELETE stops a running job on its pool and the job stays canceled', async () => {
    const engine = engines['pool-a'];
    await engine.pause();
    const body = steppedJob('a job canceled while running');
    try {
      const job = await submitJob(pinned, body);
      const sample = await whenOnEngine(engine, body.prompt);
      await engine.step();
      // Running, one step in, and it moves no further until the test steps again.
      const running = await waitForJob(
        pinned,
        job.id,
        (seen) => seen.status === 'running' || isTerminal(seen),
      );
      expect(running).toMatchObject({
        status: 'running',
        pool_id: 'pool-a',
        attempts: 1,
        progress: { step: 1, steps: body.steps },
      });
      const canceled = await pinned.cancel(job.id);
      expect(canceled.status).toBe(200);
      expect(asJob(canceled.body)).toMatchObject({ status: 'canceled', result: null });
      // The edge told the pool before it answered: the pool dropped the sample mid-job...
      expect((await engine.state()).cancelRequests).toContain(sample.sampleId);
      // ...and at the next step boundary it leaves the batch, so nothing can finish it.
      expect((await engine.step()).runningIds).not.toContain(sample.sampleId);
      expect(asJob((await pinned.get(job.id)).body)).toMatchObject({ status: 'canceled', result: null });
      // Cancelling again is a no-op that still answers the job.
      expect(asJob((await pinned.cancel(job.id)).body).status).toBe('canceled');
      // Its dispatch counts as a cancel (499), never as pool-a failing it (502 upstream_failed).
      await eventually(async () =>
        /route="job_dispatch",[^}]*status="499",code="job_canceled",pool="pool-a"/.test(await metrics()),
      );
      expect(await metrics()).not.toMatch(/route="job_dispatch",[^}]*code="upstream_failed"/);
    } finally {
      await engine.runFreely();
    }
  });

  it('queue position: a job waiting on a busy pool shows that pool and the images ahead of it', async () => {
    // pool-a has one slot: one job holds it and another waits first in line, so the edge's job
    // waits behind one image.
    const engine = engines['pool-a'];
    await engine.pause();
    const ahead = await sendToPool(stack, 'pool-a', ['the job in the slot', 'the job first in line']);
    let jobId: string | undefined;
    try {
      await queuedOnPoolA(1);
      jobId = (await submitJob(pinned, steppedJob('the job second in line'))).id;
      const waiting = await waitForJob(
        pinned,
        jobId,
        (seen) => seen.queue_position === 1 || isTerminal(seen),
      );
      expect(waiting).toMatchObject({ status: 'queued', pool_id: 'pool-a', queue_position: 1 });
      expect((await engine.state()).queued).toBe(2);
      // Expected from the pool's queue and speed: later than the job's creation, within minutes.
      const createdMs = waiting.created_at * 1000;
      expect(waiting.estimated_start_at).toBeGreaterThan(createdMs);
      expect(waiting.estimated_start_at).toBeLessThan(createdMs + 10 * 60_000);
    } finally {
      if (jobId) await pinned.cancel(jobId);
      await engine.runFreely();
    }
    for (const answer of await Promise.all(ahead)) expectSuccess(answer);
  });

  it('cancel: a queued job is canceled before any pool runs it', async () => {
    const engine = engines['pool-a'];
    await engine.pause();
    const [inSlot] = await sendToPool(stack, 'pool-a', ['the job ahead of the canceled one']);
    const behind = steppedJob('a job canceled while queued');
    try {
      await whenOnEngine(engine, 'the job ahead of the canceled one');
      const job = await submitJob(pinned, behind);
      // It waits at pool-a behind the job in the only slot.
      await queuedOnPoolA(1);
      expect(asJob((await pinned.get(job.id)).body)).toMatchObject({ status: 'queued', pool_id: 'pool-a' });
      const canceled = asJob((await pinned.cancel(job.id)).body);
      expect(canceled).toMatchObject({ status: 'canceled', result: null });
      // The pool dropped it from its queue before the edge answered.
      expect((await engine.state()).queued).toBe(0);
      // The slot frees once the job ahead finishes; the canceled job never reaches the engine.
      await engine.runFreely();
      if (inSlot) expectSuccess(await inSlot);
      expect(samplesOf(await engine.state(), behind.prompt)).toEqual([]);
      expect(asJob((await pinned.get(job.id)).body)).toMatchObject({ status: 'canceled', result: null });
    } finally {
      await engine.runFreely();
    }
  });

  it('idempotency: concurrent duplicate submits with one key make one job, dispatched once', async () => {
    const key = `order-${Date.now()}`;
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => client.submit(quickJob, { 'idempotency-key': key })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(6).fill(202));
    const ids = new Set(answers.map((answer) => asJob(answer.body).id));
    expect(ids.size).toBe(1);
    const [id = ''] = [...ids];
    const done = await waitForJob(client, id, isTerminal);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 1 });
    const replay = await client.submit(quickJob, { 'idempotency-key': key });
    expect([replay.status, asJob(replay.body).id, replay.headers.get('idempotent-replayed')]).toEqual([
      202,
      id,
      'true',
    ]);
    expect(asJob(replay.body).result?.created).toBe(done.result?.created);
  });

  it('idempotency: the same key with another body is 422 idempotency_key_mismatch', async () => {
    const key = `mismatch-${Date.now()}`;
    expect((await client.submit(quickJob, { 'idempotency-key': key })).status).toBe(202);
    const reused = await client.submit({ ...quickJob, prompt: 'something else' }, { 'idempotency-key': key });
    expect(reused.status).toBe(422);
    expect(errorEnvelopeSchema.parse(reused.body).error).toMatchObject({
      code: 'idempotency_key_mismatch',
      type: 'invalid_request_error',
      param: 'Idempotency-Key',
    });
  });

  it('tenant isolation: another tenant gets 404 job_not_found for every job route, and its own key is its own job', async () => {
    const job = asJob((await client.submit(quickJob, { 'idempotency-key': 'shared-key' })).body);
    const other = jobsClient(stack, await otherTenantKey(stack));
    for (const answer of [await other.get(job.id), await other.cancel(job.id)]) {
      expect(answer.status).toBe(404);
      expect(errorEnvelopeSchema.parse(answer.body).error.code).toBe('job_not_found');
    }
    const events = await other.events(job.id);
    expect(events.status).toBe(404);
    const mine = asJob((await other.submit(quickJob, { 'idempotency-key': 'shared-key' })).body);
    expect(mine.id).not.toBe(job.id);
    expect((await client.get(job.id)).status).toBe(200);
  });

  it('validation: bad bodies, ids and webhook URLs are envelope errors, never 500', async () => {
    const empty = await client.submit({ prompt: '' });
    expect([empty.status, errorEnvelopeSchema.parse(empty.body).error.code]).toEqual([
      400,
      'invalid_request',
    ]);
    const metadata = await client.submit({ ...quickJob, webhook: 'https://user:secret@hooks.example.com/x' });
    expect(metadata.status).toBe(400);
    expect(errorEnvelopeSchema.parse(metadata.body).error.param).toBe('webhook');
    const malformed = await client.get('not-a-job');
    expect([malformed.status, errorEnvelopeSchema.parse(malformed.body).error.code]).toEqual([
      404,
      'job_not_found',
    ]);
    const missing = await client.get('job_AAAAAAAAAAAAAAAAAAAAAAAAAA');
    expect(missing.status).toBe(404);
  });
});
