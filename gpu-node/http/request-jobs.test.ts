import { describe, expect, it } from 'vitest';
import type { Job } from '../scheduler/job.ts';
import { testJobSpec, testOwner } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler } from '../testing/test-scheduler.ts';
import { awaitRequestJobs } from './request-jobs.ts';

function requestOfTwo() {
  const harness = createTestScheduler({ slots: 2 });
  const jobs = ['r-0', 'r-1'].map((jobId, index) =>
    admit(harness.scheduler, testJobSpec({ jobId, firstSeed: index + 1, steps: 3 })),
  );
  const cancel = (job: Job) => harness.scheduler.cancel(job.spec.jobId, testOwner);
  return { ...harness, jobs, cancel };
}

describe('awaitRequestJobs', () => {
  it("request jobs: answers every job's images in order once all succeed", async () => {
    const { engine, jobs, cancel } = requestOfTwo();
    const outcome = awaitRequestJobs(jobs, new AbortController().signal, cancel);
    engine.runUntilIdle();
    const settled = await outcome;
    expect(settled.ok && settled.images.map((image) => image.seed)).toEqual([1, 2]);
  });

  it('request jobs: answers the first failure at once and cancels the jobs nobody else waits on', async () => {
    const { engine, jobs, cancel } = requestOfTwo();
    const [first, second] = jobs;
    const outcome = awaitRequestJobs(jobs, new AbortController().signal, cancel);
    engine.fail(first?.sampleId(0) ?? '', 'broke');
    expect(await outcome).toMatchObject({ ok: false, failure: { code: 'inference_failed' } });
    expect(second?.state).toBe('canceled');
  });

  it('request jobs: a client that goes away cancels its jobs, except one another caller still waits on', async () => {
    const { jobs, cancel } = requestOfTwo();
    const [shared, own] = jobs;
    const releaseOther = shared?.watch();
    const client = new AbortController();
    const outcome = awaitRequestJobs(jobs, client.signal, cancel);
    client.abort();
    expect(await outcome).toMatchObject({ ok: false, failure: { code: 'job_canceled' } });
    expect([shared?.state, own?.state]).toEqual(['running', 'canceled']);
    expect(releaseOther?.()).toBe(0);
  });

  it('request jobs: a client already gone cancels at once', async () => {
    const { jobs, cancel } = requestOfTwo();
    const client = new AbortController();
    client.abort();
    expect(await awaitRequestJobs(jobs, client.signal, cancel)).toMatchObject({ ok: false });
    expect(jobs.map((job) => job.state)).toEqual(['canceled', 'canceled']);
  });
});
