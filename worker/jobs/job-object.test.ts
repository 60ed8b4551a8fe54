import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import type { JobRecord, NewJob } from './job-record.ts';

const tenant: RoutingTenant = { id: 'acme', tier: 'paid', allowed_providers: [], allowed_regions: [] };
const pool = { poolId: 'pool-a', providerId: 'provider-a', url: 'http://127.0.0.1:1', protocol: 'gpu-node' };

function newJob(overrides: Partial<NewJob> = {}): NewJob {
  // Not a valid edge job id (the dot), so the Worker's own queue consumer, which also runs in this
  // test runtime, drops these jobs' messages instead of claiming them under the test's feet.
  const id = `job_test.${crypto.randomUUID()}`;
  return {
    id,
    tenant,
    fingerprint: 'fp-1',
    request: {
      prompt: 'a fox',
      n: 1,
      response_format: 'b64_json',
      priority: 'normal',
      model: 'spillway-tiny',
      seed: 7,
    },
    webhook: null,
    origin: 'http://edge.test',
    deadlineAt: Date.now() + 60_000,
    ...overrides,
  };
}

async function created(input = newJob()) {
  const job = env.JOBS.getByName(input.id);
  const result = await job.create(input);
  if (result.kind !== 'created') throw new Error(`expected created, got ${result.kind}`);
  return { job, input, record: result.record };
}

describe('job object', () => {
  it('job object: a repeated create with the same body replays the job, another body is a key mismatch', async () => {
    const { job, input, record } = await created();
    expect(record).toMatchObject({ status: 'queued', version: 1, attempts: 0 });
    const again = await job.create(input);
    expect(again).toMatchObject({ kind: 'replayed', record: { id: input.id, version: 1 } });
    expect(await job.create({ ...input, fingerprint: 'fp-2' })).toEqual({ kind: 'key_mismatch' });
  });

  it('job object: concurrent duplicate creates make exactly one job', async () => {
    const input = newJob();
    const job = env.JOBS.getByName(input.id);
    const results = await Promise.all(Array.from({ length: 8 }, () => job.create(input)));
    expect(results.filter((result) => result.kind === 'created')).toHaveLength(1);
    expect(results.filter((result) => result.kind === 'replayed')).toHaveLength(7);
  });

  it('job object: another tenant cannot read, wait for or cancel the job', async () => {
    const { job } = await created();
    expect(await job.read({ tenantId: 'other', owner: null })).toBeNull();
    expect(await job.waitFor({ tenantId: 'other', owner: null }, 0, false, 10)).toBeNull();
    expect(await job.cancel({ tenantId: 'other', owner: null })).toBeNull();
    expect(await job.read({ tenantId: 'acme', owner: null })).not.toBeNull();
  });

  it('job object: one live claim at a time; the first success is the one result', async () => {
    const { job } = await created();
    const claim = await job.claim();
    expect(claim?.serial).toBe(1);
    expect(await job.claim()).toBeNull();
    const startedAt = Date.now();
    await job.started(1, pool);
    const waiting = await job.read({ tenantId: 'acme', owner: null });
    expect(waiting).toMatchObject({
      status: 'queued',
      queuePosition: 0,
      attempts: 1,
      pool: { poolId: 'pool-a' },
    });
    // Next at the pool: its start is now, not unknown.
    expect(waiting?.estimatedStartAt).toBeGreaterThanOrEqual(startedAt);
    await job.report(1, { kind: 'queued', position: 3 });
    expect(await job.read({ tenantId: 'acme', owner: null })).toMatchObject({
      status: 'queued',
      queuePosition: 3,
    });
    await job.report(1, { kind: 'progress', step: 1, steps: 4 });
    expect(await job.read({ tenantId: 'acme', owner: null })).toMatchObject({
      status: 'running',
      queuePosition: null,
      progress: { step: 1, steps: 4 },
    });
    // A hedged copy on another pool beside the computing one: one more attempt, still running there.
    await job.started(1, { ...pool, poolId: 'pool-c', providerId: 'provider-c' }, true);
    expect(await job.read({ tenantId: 'acme', owner: null })).toMatchObject({
      status: 'running',
      attempts: 2,
      pool: { poolId: 'pool-a' },
      progress: { step: 1, steps: 4 },
    });
    // A superseded claim's reports are ignored.
    await job.report(2, { kind: 'progress', step: 2, steps: 4 });
    expect(await job.read({ tenantId: 'acme', owner: null })).toMatchObject({
      progress: { step: 1, steps: 4 },
    });
    const images = [{ seed: 7, revised_prompt: null }];
    // The answer came from another pool than the last one called (a hedge, or a tied pair).
    const winner = { ...pool, poolId: 'pool-b', providerId: 'provider-b' };
    expect(await job.succeed({ created: 1, images }, winner)).toBe('accepted');
    expect(await job.succeed({ created: 2, images })).toBe('stale');
    const done = await job.read({ tenantId: 'acme', owner: null });
    expect(done).toMatchObject({ status: 'succeeded', result: { created: 1 }, claim: null, pool: winner });
    expect(await job.claim()).toBeNull();
  });

  it('job object: a lapsed claim is enqueued again by the alarm and a new claim gets the next serial', async () => {
    const { job } = await created();
    await job.claim();
    await runInDurableObject(job, (_instance, state) => {
      const record = state.storage.kv.get<JobRecord>('job');
      if (!record?.claim) throw new Error('no claim');
      state.storage.kv.put('job', { ...record, claim: { ...record.claim, until: Date.now() - 1 } });
    });
    expect(await runDurableObjectAlarm(job)).toBe(true);
    expect(await job.read({ tenantId: 'acme', owner: null })).toMatchObject({
      status: 'queued',
      claim: null,
    });
    expect((await job.claim())?.serial).toBe(2);
    expect(await job.renew(1)).toBe(false);
    expect(await job.renew(2)).toBe(true);
  });

  it('job object: cancel stops a running job, names its pool, and refuses its result', async () => {
    const { job } = await created();
    await job.claim();
    await job.started(1, pool);
    expect(await job.isCanceled()).toBe(false);
    const canceled = await job.cancel({ tenantId: 'acme', owner: null });
    expect(canceled?.record.status).toBe('canceled');
    // Its consumer, stopped or answered job_canceled by the pool, counts the claim as a cancel.
    expect(await job.isCanceled()).toBe(true);
    expect(canceled?.stopPool?.poolId).toBe('pool-a');
    expect(await job.renew(1)).toBe(false);
    expect(await job.succeed({ created: 1, images: [] })).toBe('canceled');
    expect((await job.cancel({ tenantId: 'acme', owner: null }))?.stopPool).toBeNull();
  });

  it('job object: waitFor returns at the next version, or at once when the job is terminal', async () => {
    const { job } = await created();
    const waiting = job.waitFor({ tenantId: 'acme', owner: null }, 1, false, 5_000);
    await job.claim();
    await job.started(1, pool);
    expect(await waiting).toMatchObject({ status: 'queued', version: 2, pool: { poolId: 'pool-a' } });
    await job.fail(1, { type: 'server_error', code: 'inference_failed', message: 'boom', param: null });
    const started = Date.now();
    expect((await job.waitFor({ tenantId: 'acme', owner: null }, 99, true, 5_000))?.status).toBe('failed');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('job object: a job past its deadline fails at the alarm', async () => {
    const { job } = await created(newJob({ deadlineAt: Date.now() - 1 }));
    await runDurableObjectAlarm(job);
    expect(await job.read({ tenantId: 'acme', owner: null })).toMatchObject({
      status: 'failed',
      error: { code: 'deadline_exceeded' },
    });
  });

  it('job object: retention over, the alarm deletes the job and its images', async () => {
    const { job, input } = await created();
    await job.claim();
    await env.RESULTS.put(`results/${input.id}/0.png`, new Uint8Array([1, 2, 3]));
    await job.succeed({ created: 1, images: [{ seed: 7, revised_prompt: null }] });
    await runInDurableObject(job, (_instance, state) => {
      const record = state.storage.kv.get<JobRecord>('job');
      if (!record) throw new Error('no record');
      state.storage.kv.put('job', { ...record, expiresAt: Date.now() - 1 });
    });
    await runDurableObjectAlarm(job);
    expect(await job.read({ tenantId: 'acme', owner: null })).toBeNull();
    expect(await env.RESULTS.head(`results/${input.id}/0.png`)).toBeNull();
  });
});
