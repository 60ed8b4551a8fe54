import type { Job, JobSpec } from '../scheduler/job.ts';
import { Scheduler, type SchedulerOptions } from '../scheduler/scheduler.ts';
import { FakeBatchEngine } from './fake-batch-engine.ts';

/** What a scheduler under test reported to its observer. */
export interface ObservedScheduler {
  readonly steps: Array<{ readonly batchSize: number; readonly durationMs: number }>;
  readonly settled: Job[];
  changes: number;
}

/** A scheduler around a {@link FakeBatchEngine}, with a clock the test moves. */
export interface TestScheduler {
  readonly scheduler: Scheduler;
  readonly engine: FakeBatchEngine;
  readonly observed: ObservedScheduler;
  /** The scheduler's clock, in ms. */
  now: number;
}

/** Settings of {@link createTestScheduler}. */
export interface TestSchedulerOptions extends Partial<Omit<SchedulerOptions, 'engine' | 'observer' | 'now'>> {
  readonly slots?: number;
}

/** What {@link createTestScheduler} uses where the test says nothing. */
export const testSchedulerDefaults = {
  slots: 2,
  maxQueuedImages: 4,
  resultTtlMs: 60_000,
  maxKeptJobs: 100,
  startsAt: 1_000,
} as const;

/**
 * A scheduler around a fake engine, with {@link testSchedulerDefaults} unless told otherwise and
 * a clock that moves only when the test sets `now`. Deadline timers are real `setTimeout`s, so
 * tests of deadlines also use vitest's fake timers.
 */
export function createTestScheduler(options: TestSchedulerOptions = {}): TestScheduler {
  const { slots = testSchedulerDefaults.slots, ...settings } = options;
  const engine = new FakeBatchEngine({ slots });
  const observed: ObservedScheduler = { steps: [], settled: [], changes: 0 };
  const harness: { now: number } = { now: testSchedulerDefaults.startsAt };
  const scheduler = new Scheduler({
    engine,
    maxQueuedImages: testSchedulerDefaults.maxQueuedImages,
    resultTtlMs: testSchedulerDefaults.resultTtlMs,
    maxKeptJobs: testSchedulerDefaults.maxKeptJobs,
    now: () => harness.now,
    observer: {
      onStep: (batchSize, durationMs) => observed.steps.push({ batchSize, durationMs }),
      onJobSettled: (job) => observed.settled.push(job),
      onChange: () => {
        observed.changes += 1;
      },
    },
    ...settings,
  });
  return Object.assign(harness, { scheduler, engine, observed });
}

/** Submits `spec` and returns its job; throws if the scheduler refused it. */
export function admit(scheduler: Scheduler, spec: JobSpec): Job {
  const submitted = scheduler.submit(spec);
  if (!submitted.ok) throw new Error(`${spec.jobId} was refused: ${submitted.reason}`);
  return submitted.job;
}
