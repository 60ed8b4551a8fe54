import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testJobSpec, testOwner } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler, type TestScheduler } from '../testing/test-scheduler.ts';

/** Moves the scheduler's clock and vitest's fake timers together. */
function pass(harness: TestScheduler, ms: number): void {
  harness.now += ms;
  vi.advanceTimersByTime(ms);
}

describe('Scheduler cancellation', () => {
  it('scheduler: a canceled queued job never reaches the engine and settles job_canceled', () => {
    const { scheduler, engine, observed } = createTestScheduler({ slots: 1 });
    admit(scheduler, testJobSpec({ jobId: 'running', steps: 1 }));
    const queued = admit(scheduler, testJobSpec({ jobId: 'queued', steps: 1 }));
    expect(scheduler.cancel('queued', testOwner)).toBe(true);
    expect(queued.outcome).toMatchObject({ ok: false, failure: { code: 'job_canceled' } });
    expect([queued.state, scheduler.load().queued, observed.settled]).toEqual(['canceled', 0, [queued]]);
    engine.runUntilIdle();
    expect(engine.submitted.map((sample) => sample.prompt)).toEqual([
      testJobSpec({ jobId: 'running' }).prompt,
    ]);
    expect(engine.cancelRequests).toEqual([]);
  });

  it('scheduler: canceling a running job drops all its images, and their slots go on only once the engine lets go', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2 });
    const canceled = admit(scheduler, testJobSpec({ jobId: 'canceled', count: 2, steps: 10 }));
    const waiting = admit(scheduler, testJobSpec({ jobId: 'waiting', steps: 1 }));
    engine.step();
    scheduler.cancel('canceled', testOwner);
    expect(canceled.state).toBe('canceled');
    expect(engine.cancelRequests).toEqual([canceled.sampleId(0), canceled.sampleId(1)]);
    // The engine still holds both images until its next step boundary.
    expect([waiting.state, scheduler.load().running]).toEqual(['queued', 2]);
    engine.step();
    expect(waiting.state).toBe('succeeded');
    expect(engine.batchSizes).toEqual([2, 1]);
  });

  it('scheduler: canceling an unknown job is refused; canceling a finished one leaves its outcome', () => {
    const { scheduler, engine } = createTestScheduler();
    expect(scheduler.cancel('never-seen', testOwner)).toBe(false);
    const done = admit(scheduler, testJobSpec({ jobId: 'done' }));
    engine.runUntilIdle();
    expect(scheduler.cancel('done', testOwner)).toBe(true);
    expect([done.state, done.outcome?.ok, engine.cancelRequests]).toEqual(['succeeded', true, []]);
  });
});

describe('Scheduler deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('scheduler: a queued job past its deadline never reaches the engine', () => {
    const harness = createTestScheduler({ slots: 1 });
    const { scheduler, engine } = harness;
    const blocker = admit(scheduler, testJobSpec({ jobId: 'blocker', steps: 2 }));
    const late = admit(scheduler, testJobSpec({ jobId: 'late', deadlineAt: harness.now + 50 }));
    pass(harness, 49);
    expect(late.state).toBe('queued');
    pass(harness, 1);
    expect(late.outcome).toMatchObject({ ok: false, failure: { code: 'deadline_exceeded' } });
    expect(scheduler.load().queued).toBe(0);
    engine.runUntilIdle();
    expect(blocker.state).toBe('succeeded');
    expect(engine.submitted).toHaveLength(1);
  });

  it('scheduler: a queued job whose deadline passed is skipped when a slot frees, even before its timer fires', () => {
    const harness = createTestScheduler({ slots: 1 });
    const { scheduler, engine } = harness;
    admit(scheduler, testJobSpec({ jobId: 'blocker', steps: 1 }));
    const late = admit(scheduler, testJobSpec({ jobId: 'late', deadlineAt: harness.now + 50 }));
    const next = admit(scheduler, testJobSpec({ jobId: 'next', steps: 1 }));
    harness.now += 50;
    engine.step();
    expect(late.outcome).toMatchObject({ ok: false, failure: { code: 'deadline_exceeded' } });
    expect(next.state).toBe('running');
    expect(engine.submitted.map((sample) => sample.sampleId)).not.toContain(late.sampleId(0));
  });

  it('scheduler: a job submitted after its deadline fails at once without compute', () => {
    const harness = createTestScheduler();
    const { scheduler, engine } = harness;
    const late = admit(scheduler, testJobSpec({ deadlineAt: harness.now }));
    expect(late.outcome).toMatchObject({ ok: false, failure: { code: 'deadline_exceeded' } });
    expect(engine.submitted).toEqual([]);
  });

  it('scheduler: a running job past its deadline is stopped and its slot handed on at the next step', () => {
    const harness = createTestScheduler({ slots: 1 });
    const { scheduler, engine } = harness;
    const slow = admit(scheduler, testJobSpec({ jobId: 'slow', steps: 10, deadlineAt: harness.now + 100 }));
    const next = admit(scheduler, testJobSpec({ jobId: 'next', steps: 1 }));
    engine.step();
    pass(harness, 100);
    expect(slow.outcome).toMatchObject({ ok: false, failure: { code: 'deadline_exceeded' } });
    expect(slow.state).toBe('failed');
    expect(engine.cancelRequests).toEqual([slow.sampleId(0)]);
    expect(next.state).toBe('queued');
    engine.step();
    expect(next.state).toBe('succeeded');
  });

  it('scheduler: a job that finishes inside its deadline succeeds and leaves no timer behind', () => {
    const harness = createTestScheduler();
    const { scheduler, engine } = harness;
    const job = admit(scheduler, testJobSpec({ steps: 1, deadlineAt: harness.now + 1_000 }));
    expect(vi.getTimerCount()).toBe(1);
    engine.step();
    expect(vi.getTimerCount()).toBe(0);
    pass(harness, 2_000);
    expect(job.state).toBe('succeeded');
    expect(engine.cancelRequests).toEqual([]);
  });
});

describe('Scheduler engine failures', () => {
  it('scheduler: an inference failure fails its whole job with the reason and frees its other images', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 3 });
    const broken = admit(scheduler, testJobSpec({ jobId: 'broken', count: 2, steps: 2 }));
    const healthy = admit(scheduler, testJobSpec({ jobId: 'healthy', steps: 2 }));
    engine.step();
    engine.fail(broken.sampleId(0), 'CUDA out of memory');
    expect(broken.outcome).toEqual({
      ok: false,
      failure: { code: 'inference_failed', message: 'inference failed: CUDA out of memory' },
    });
    expect(engine.cancelRequests).toContain(broken.sampleId(1));
    engine.runUntilIdle();
    expect(healthy.state).toBe('succeeded');
    expect(scheduler.load().running).toBe(0);
  });
});
