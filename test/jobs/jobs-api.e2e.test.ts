import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { errorEnvelopeSchema, type JobResource } from '../../shared/index.ts';
import { waitForTelemetry } from '../edge/edge-stack.ts';
import { dispatchToken } from '../support/keys.ts';
import {
  asJob,
  jobsClient,
  otherTenantKey,
  quickJob,
  readEvents,
  slowJob,
  startJobStack,
  waitForJob,
} from './job-stack.ts';

let stack: LocalStack;
let client: ReturnType<typeof jobsClient>;

beforeAll(async () => {
  stack = await startJobStack();
  client = jobsClient(stack);
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const terminal = (job: JobResource) => ['succeeded', 'failed', 'canceled'].includes(job.status);

describe('jobs API end to end', () => {
  it('submit and poll: 202 with the job, then succeeded with a signed URL serving the PNG', async () => {
    const submitted = await client.submit({ ...quickJob, n: 2 });
    expect(submitted.status).toBe(202);
    const job = asJob(submitted.body);
    expect(job).toMatchObject({ status: 'queued', attempts: 0, pool_id: null, result: null, error: null });
    expect(job.status_url).toBe(`${stack.edgeUrl}/v1/jobs/${job.id}`);
    expect(job.events_url).toBe(`${stack.edgeUrl}/v1/jobs/${job.id}/events`);
    expect(submitted.headers.get('location')).toBe(`/v1/jobs/${job.id}`);
    const done = await waitForJob(client, job.id, terminal);
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
    const job = asJob((await client.submit(slowJob)).body);
    const events = await readEvents(await client.events(job.id));
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
      .map((event) => asJob(JSON.parse(event.data)).progress)
      .flatMap((progress) => (progress ? [progress] : []));
    expect(steps.length).toBeGreaterThan(1);
    for (const progress of steps) expect(progress.steps).toBe(slowJob.steps);
    const stepNumbers = steps.map((progress) => progress.step);
    expect(stepNumbers).toEqual([...stepNumbers].sort((a, b) => a - b));
    const last = events.at(-1);
    const beforeLast = events.at(-2);
    if (!last || !beforeLast) throw new Error('expected at least two events');
    const resumed = await readEvents(await client.events(job.id, { 'last-event-id': beforeLast.id }));
    expect(resumed.map((event) => [event.event, event.id])).toEqual([[last.event, last.id]]);
    const afterEnd = await readEvents(await client.events(job.id, { 'last-event-id': last.id }));
    expect(afterEnd).toEqual([]);
  }, 60_000);

  it('cancel: DELETE stops a running job on its pool and the job stays canceled', async () => {
    const job = asJob((await client.submit(slowJob)).body);
    const running = await waitForJob(client, job.id, (seen) => seen.status === 'running' || terminal(seen));
    expect(running.status).toBe('running');
    const canceled = await client.cancel(job.id);
    expect(canceled.status).toBe(200);
    expect(asJob(canceled.body)).toMatchObject({ status: 'canceled', result: null });
    const pool = stack.pools.find((candidate) => candidate.id === running.pool_id);
    if (!pool) throw new Error(`unknown pool ${running.pool_id}`);
    // The pool itself no longer runs it (gpu-node keeps a canceled job's record a while).
    const token = await dispatchToken(stack.edgePrivateKey, { audience: pool.id });
    const onPool = await fetch(`${pool.url}/v1/jobs/${job.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    if (onPool.status === 200) expect(((await onPool.json()) as { status: string }).status).toBe('canceled');
    else expect(onPool.status).toBe(404);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(asJob((await client.get(job.id)).body).status).toBe('canceled');
    // Cancelling again is a no-op that still answers the job.
    expect(asJob((await client.cancel(job.id)).body).status).toBe('canceled');
  }, 60_000);

  it('queue position: a job waiting on a busy pool shows that pool and the images ahead of it', async () => {
    // Six slow jobs on two single-slot pools: at least one waits behind two others on its pool.
    const jobs = await Promise.all(Array.from({ length: 6 }, () => client.submit(slowJob)));
    const ids = jobs.map((answer) => asJob(answer.body).id);
    try {
      const deadline = Date.now() + 30_000;
      let waiting: JobResource | undefined;
      while (!waiting && Date.now() < deadline) {
        const seen = await Promise.all(ids.map(async (id) => asJob((await client.get(id)).body)));
        waiting = seen.find(
          (job) => job.status === 'queued' && job.pool_id !== null && (job.queue_position ?? 0) > 0,
        );
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(waiting?.queue_position).toBeGreaterThan(0);
      expect(['pool-a', 'pool-b']).toContain(waiting?.pool_id);
      // Expected from the pool's queue and speed: later than the job's creation, within minutes.
      const createdMs = (waiting?.created_at ?? 0) * 1000;
      expect(waiting?.estimated_start_at).toBeGreaterThan(createdMs);
      expect(waiting?.estimated_start_at).toBeLessThan(createdMs + 10 * 60_000);
    } finally {
      await Promise.all(ids.map((id) => client.cancel(id)));
    }
  }, 60_000);

  it('cancel: a queued job is canceled before any pool runs it', async () => {
    const job = asJob((await client.submit(quickJob)).body);
    const canceled = asJob((await client.cancel(job.id)).body);
    expect(['canceled', 'succeeded']).toContain(canceled.status);
    if (canceled.status === 'canceled') {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(asJob((await client.get(job.id)).body)).toMatchObject({ status: 'canceled', result: null });
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
    const done = await waitForJob(client, id, terminal);
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
