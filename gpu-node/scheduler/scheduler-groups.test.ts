import { describe, expect, it } from 'vitest';
import { testJobSpec, testOwner } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler } from '../testing/test-scheduler.ts';

// A KServe request's prompts enter as one group: all of them, or none.

describe('Scheduler groups', () => {
  it('scheduler groups: a group whose later job conflicts joins, admits and cancels nothing', () => {
    const { scheduler, engine, observed } = createTestScheduler({ slots: 2 });
    const first = admit(scheduler, testJobSpec({ jobId: 'g-0' }));
    const second = admit(scheduler, testJobSpec({ jobId: 'g-1' }));
    const retry = [testJobSpec({ jobId: 'g-0' }), testJobSpec({ jobId: 'g-1', fingerprint: 'other' })];
    expect(scheduler.submitAll(retry)).toEqual({ ok: false, reason: 'job_id_conflict' });
    const third = [testJobSpec({ jobId: 'g-2' }), testJobSpec({ jobId: 'g-1', fingerprint: 'other' })];
    expect(scheduler.submitAll(third)).toEqual({ ok: false, reason: 'job_id_conflict' });
    expect(scheduler.get('g-2', testOwner)).toBeUndefined();
    expect([first.state, second.state, engine.cancelRequests, observed.settled]).toEqual([
      'running',
      'running',
      [],
      [],
    ]);
  });

  it("scheduler groups: another owner's id anywhere in a group refuses the group as foreign", () => {
    const { scheduler } = createTestScheduler();
    admit(scheduler, testJobSpec({ jobId: 'theirs', owner: 'tenant-other' }));
    const group = [testJobSpec({ jobId: 'mine' }), testJobSpec({ jobId: 'theirs' })];
    expect(scheduler.submitAll(group)).toEqual({ ok: false, reason: 'foreign_job_id' });
    expect(scheduler.get('mine', testOwner)).toBeUndefined();
  });

  it('scheduler groups: a group that does not fit whole is queue_full, with none of it admitted', () => {
    const { scheduler, engine, observed } = createTestScheduler({ slots: 2, maxQueuedImages: 4 });
    admit(scheduler, testJobSpec({ jobId: 'five', count: 5 }));
    const group = ['a', 'b'].map((jobId) => testJobSpec({ jobId }));
    expect(scheduler.submitAll(group)).toMatchObject({ ok: false, reason: 'queue_full' });
    expect([scheduler.load().queued, engine.submitted.length, observed.settled.length]).toEqual([3, 2, 0]);
    expect(scheduler.submitAll(group.slice(0, 1))).toMatchObject({ ok: true });
  });

  it('scheduler groups: joins the kept jobs of a group and admits the rest, in order; only new ones need room or a pool that is not draining', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 1, maxQueuedImages: 1 });
    const kept = admit(scheduler, testJobSpec({ jobId: 'k-0' }));
    const submitted = scheduler.submitAll([testJobSpec({ jobId: 'k-0' }), testJobSpec({ jobId: 'k-1' })]);
    expect(submitted.ok && submitted.jobs.map(({ job, joined }) => [job.spec.jobId, joined])).toEqual([
      ['k-0', true],
      ['k-1', false],
    ]);
    expect(submitted.ok && submitted.jobs[0]?.job).toBe(kept);
    void scheduler.drain();
    const both = [testJobSpec({ jobId: 'k-0' }), testJobSpec({ jobId: 'k-1' })];
    expect(scheduler.submitAll(both)).toMatchObject({ ok: true });
    expect(scheduler.submitAll([...both, testJobSpec({ jobId: 'k-2' })])).toEqual({
      ok: false,
      reason: 'draining',
    });
    expect(engine.submitted).toHaveLength(1);
  });
});
