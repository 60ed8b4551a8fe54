import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testJobSpec } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler, type TestScheduler } from '../testing/test-scheduler.ts';
import type { Job, JobOwner, JobState } from './job.ts';

// Issue 12: a job id names a job for its owner only. Another owner is refused whatever the
// job's state and body, and the job itself is left exactly as it was.

const states = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'canceled',
] as const satisfies readonly JobState[];

/** Admits `owner`'s job `jobId` on a one-slot scheduler and brings it to `state`. */
function jobIn(harness: TestScheduler, state: JobState, jobId: string, owner: JobOwner): Job {
  const { scheduler, engine } = harness;
  if (state === 'queued') admit(scheduler, testJobSpec({ jobId: `${jobId}-ahead`, owner }));
  const job = admit(scheduler, testJobSpec({ jobId, owner }));
  if (state === 'succeeded') engine.runUntilIdle();
  if (state === 'failed') engine.fail(job.sampleId(0), 'inference broke');
  if (state === 'canceled') scheduler.cancel(jobId, owner);
  expect(job.state).toBe(state);
  return job;
}

const owner = fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 24 }));
const jobId = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,32}$/);

describe('scheduler job ownership', () => {
  it('ownership: another owner cannot join, read or cancel a job, in any state, with any body', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...states),
        owner,
        owner,
        jobId,
        fc.boolean(),
        (state, holder, stranger, id, sameBody) => {
          fc.pre(holder !== stranger);
          const harness = createTestScheduler({ slots: 1 });
          const { scheduler, engine } = harness;
          const job = jobIn(harness, state, id, holder);
          const sent = engine.submitted.length;
          const cancels = engine.cancelRequests.length;
          const attempt = testJobSpec({
            jobId: id,
            owner: stranger,
            fingerprint: sameBody ? job.spec.fingerprint : 'another body',
          });

          expect(scheduler.submit(attempt)).toEqual({ ok: false, reason: 'foreign_job_id' });
          expect(scheduler.get(id, stranger)).toBeUndefined();
          expect(scheduler.cancel(id, stranger)).toBe(false);

          expect(scheduler.get(id, holder)).toBe(job);
          expect(job.state).toBe(state);
          expect([engine.submitted.length, engine.cancelRequests.length]).toEqual([sent, cancels]);
          // The owner's own retry still behaves as before: it joins, or replaces a failed attempt.
          const retried = scheduler.submit(testJobSpec({ jobId: id, owner: holder }));
          const joins = state === 'queued' || state === 'running' || state === 'succeeded';
          expect(retried).toMatchObject({ ok: true, joined: joins });
        },
      ),
    );
  });

  it('ownership: the owner reads and cancels its own job by id', () => {
    const harness = createTestScheduler();
    const job = jobIn(harness, 'running', 'mine', 'tenant-a');
    expect(harness.scheduler.get('mine', 'tenant-a')).toBe(job);
    expect(harness.scheduler.cancel('mine', 'tenant-a')).toBe(true);
    expect(job.state).toBe('canceled');
  });
});
