import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { testJobSpec } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler, type TestScheduler } from '../testing/test-scheduler.ts';
import type { Job, JobOwner, JobSpec } from './job.ts';

// Issue 15: within a priority, one tenant's burst cannot starve another tenant; the queue serves
// tenants fairly by work, FIFO within a tenant, and never starts work that is no longer wanted.

/** `owner`'s job `jobId`: one 64x64 image in one step unless told otherwise. */
function tenantSpec(jobId: string, owner: JobOwner, overrides: Partial<JobSpec> = {}): JobSpec {
  return testJobSpec({ jobId, owner, steps: 1, ...overrides });
}

/** Job ids in the order their images reached the engine (a test job's prompt names it). */
function engineOrder(harness: TestScheduler): string[] {
  return harness.engine.submitted.map((sample) => sample.prompt.replace(/^prompt of /, ''));
}

/** A scheduler whose queue holds up to 200 images, and a way to admit jobs to it. */
function fairnessHarness(slots: number): TestScheduler & { submit: (spec: JobSpec) => Job } {
  const harness = createTestScheduler({ slots, maxQueuedImages: 200 });
  return Object.assign(harness, { submit: (spec: JobSpec) => admit(harness.scheduler, spec) });
}

/** Moves the scheduler's clock and vitest's fake timers together. */
function pass(harness: TestScheduler, ms: number): void {
  harness.now += ms;
  vi.advanceTimersByTime(ms);
}

describe('Scheduler fairness between tenants', () => {
  it("scheduler: a burst of 50 jobs from one tenant does not starve another tenant's jobs of the same priority", () => {
    const harness = fairnessHarness(2);
    const { scheduler, engine } = harness;
    const burst = Array.from({ length: 50 }, (_, index) =>
      harness.submit(tenantSpec(`a-${index}`, 'tenant-a')),
    );
    const b0 = harness.submit(tenantSpec('b-0', 'tenant-b'));
    const b1 = harness.submit(tenantSpec('b-1', 'tenant-b'));
    // a-0 and a-1 took the two free slots; B's jobs alternate with A's queued ones.
    expect([scheduler.positionOf(b0), scheduler.positionOf(b1)]).toEqual([0, 2]);
    expect(scheduler.positionOf(burst[49] as Job)).toBe(49);

    engine.step();
    expect([b0.state, b1.state, scheduler.positionOf(b1)]).toEqual(['running', 'queued', 0]);
    engine.runUntilIdle();
    expect(engineOrder(harness).slice(0, 6)).toEqual(['a-0', 'a-1', 'b-0', 'a-2', 'b-1', 'a-3']);
    expect([...burst, b0, b1].every((job) => job.state === 'succeeded')).toBe(true);
  });

  it("scheduler: a tenant's large images count for more, so another tenant's small ones run several to one", () => {
    const harness = fairnessHarness(1);
    for (let index = 0; index < 4; index++) {
      harness.submit(tenantSpec(`big-${index}`, 'tenant-a', { width: 128, height: 128 }));
    }
    for (let index = 0; index < 8; index++) harness.submit(tenantSpec(`small-${index}`, 'tenant-b'));
    harness.engine.runUntilIdle();
    expect(engineOrder(harness).slice(0, 7)).toEqual([
      'big-0',
      'small-0',
      'small-1',
      'small-2',
      'small-3',
      'big-1',
      'small-4',
    ]);
  });

  it('scheduler: a queue position is the number of images that reach the engine before the first of the job', () => {
    const harness = fairnessHarness(2);
    const { scheduler, engine } = harness;
    const owners: JobOwner[] = ['tenant-a', 'tenant-b', 'tenant-c', null];
    const priorities = ['normal', 'high', 'normal', 'low', 'normal'] as const;
    const jobs = Array.from({ length: 24 }, (_, index) =>
      harness.submit(
        tenantSpec(`job-${index}`, owners[index % 4] ?? null, {
          count: 1 + (index % 3),
          width: index % 5 === 0 ? 128 : 64,
          height: 64,
          priority: priorities[index % 5],
        }),
      ),
    );
    const queued = jobs.filter((job) => job.state === 'queued');
    const positions = queued.map((job) => scheduler.positionOf(job));
    const before = engine.submitted.length;
    engine.runUntilIdle();
    const firstImages = queued.map(
      (job) => engine.submitted.findIndex((sample) => sample.sampleId === job.sampleId(0)) - before,
    );
    expect(positions).toEqual(firstImages);
  });
});

describe('Scheduler fairness: unwanted work is never started', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('scheduler: behind a burst, a job past its deadline and a job whose client went away never reach the engine', () => {
    const harness = fairnessHarness(1);
    const { scheduler, engine } = harness;
    const burst = Array.from({ length: 6 }, (_, index) =>
      harness.submit(tenantSpec(`a-${index}`, 'tenant-a')),
    );
    const late = harness.submit(tenantSpec('b-late', 'tenant-b', { deadlineAt: harness.now + 50 }));
    const gone = harness.submit(tenantSpec('c-gone', 'tenant-c'));
    const wanted = harness.submit(tenantSpec('b-wanted', 'tenant-b'));
    // The fair order puts both right behind the job in service.
    expect([scheduler.positionOf(late), scheduler.positionOf(gone)]).toEqual([0, 1]);

    // The client of c-gone disconnects: the HTTP layer cancels the job for its owner.
    expect(scheduler.cancel('c-gone', 'tenant-c')).toBe(true);
    pass(harness, 50);
    expect(late.outcome).toMatchObject({ ok: false, failure: { code: 'deadline_exceeded' } });
    expect(gone.outcome).toMatchObject({ ok: false, failure: { code: 'job_canceled' } });
    // b-late never ran, so tenant-b is not charged for it: b-wanted moves up to its place.
    expect(scheduler.positionOf(wanted)).toBe(0);
    engine.runUntilIdle();

    const started = new Set(engine.submitted.map((sample) => sample.sampleId));
    expect([started.has(late.sampleId(0)), started.has(gone.sampleId(0))]).toEqual([false, false]);
    expect([...burst, wanted].every((job) => job.state === 'succeeded')).toBe(true);
    expect(engineOrder(harness).slice(0, 3)).toEqual(['a-0', 'b-wanted', 'a-1']);
  });

  it('scheduler: a job whose deadline passes while it waits at the head of the fair order is skipped when a slot frees', () => {
    const harness = fairnessHarness(1);
    const { scheduler, engine } = harness;
    harness.submit(tenantSpec('a-0', 'tenant-a'));
    harness.submit(tenantSpec('a-1', 'tenant-a'));
    const late = harness.submit(tenantSpec('b-late', 'tenant-b', { deadlineAt: harness.now + 50 }));
    expect(scheduler.positionOf(late)).toBe(0);
    // The clock passes the deadline before its timer fires; the freed slot goes to a-1.
    harness.now += 50;
    engine.step();
    expect(late.outcome).toMatchObject({ ok: false, failure: { code: 'deadline_exceeded' } });
    expect(engine.submitted.map((sample) => sample.sampleId)).not.toContain(late.sampleId(0));
    expect(engineOrder(harness)).toEqual(['a-0', 'a-1']);
  });
});
