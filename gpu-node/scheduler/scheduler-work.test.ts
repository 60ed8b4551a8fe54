import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { imageMegapixels, requestWork, type StepCurvePoint } from '../../shared/index.ts';
import type { FakeStepTime } from '../testing/fake-batch-engine.ts';
import { testJobSpec, testOwner } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler, type TestScheduler } from '../testing/test-scheduler.ts';

/** Work of `n` images of `size` with `steps` steps each, as the shared contract counts it. */
const work = (n: number, steps: number, size: string) => requestWork({ n, steps, size });
const mp = imageMegapixels;

/** Queued and running work, as the scheduler reports them. */
function workOf({ scheduler }: TestScheduler): { queued: number; running: number } {
  const load = scheduler.load();
  return { queued: load.queuedWork, running: load.runningWork };
}

/** Expects work figures equal to `expected` up to rounding. */
function expectWork(harness: TestScheduler, expected: { queued: number; running: number }): void {
  const actual = workOf(harness);
  expect(actual.queued).toBeCloseTo(expected.queued, 9);
  expect(actual.running).toBeCloseTo(expected.running, 9);
}

/** Expects `curve` to hold `expected`'s points, up to the significant digits a report keeps. */
function expectCurveNear(curve: readonly StepCurvePoint[], expected: readonly StepCurvePoint[]): void {
  expect(curve).toHaveLength(expected.length);
  curve.forEach((point, index) => {
    expect(point.batch_megapixels / (expected[index]?.batch_megapixels ?? 0)).toBeCloseTo(1, 5);
    expect(point.step_ms / (expected[index]?.step_ms ?? 0)).toBeCloseTo(1, 5);
  });
}

/** Moves the scheduler's clock by the step's duration, then runs the step: a host of known speed. */
function stepTaking(harness: TestScheduler, ms: number): void {
  harness.now += ms;
  harness.engine.step(ms);
}

describe('Scheduler work accounting', () => {
  it('work: queued work counts waiting images, running work the steps they have left, across sizes, steps and n', () => {
    const harness = createTestScheduler({ slots: 3, maxQueuedImages: 10 });
    const { scheduler, engine } = harness;
    expect(workOf(harness)).toEqual({ queued: 0, running: 0 });
    admit(scheduler, testJobSpec({ jobId: 'small', count: 2, steps: 4, width: 64, height: 64 }));
    const large = admit(
      scheduler,
      testJobSpec({ jobId: 'large', count: 2, steps: 10, width: 512, height: 512 }),
    );
    admit(scheduler, testJobSpec({ jobId: 'medium', count: 1, steps: 30, width: 256, height: 256 }));
    expect(large.imageWork).toBe(work(1, 10, '512x512'));
    expectWork(harness, {
      queued: work(1, 10, '512x512') + work(1, 30, '256x256'),
      running: work(2, 4, '64x64') + work(1, 10, '512x512'),
    });

    engine.step();
    expectWork(harness, {
      queued: work(1, 10, '512x512') + work(1, 30, '256x256'),
      running: work(2, 3, '64x64') + work(1, 9, '512x512'),
    });

    // The small images finish at their fourth step; the waiting images take their slots.
    engine.step();
    engine.step();
    engine.step();
    expectWork(harness, {
      queued: 0,
      running: work(1, 6, '512x512') + work(1, 10, '512x512') + work(1, 30, '256x256'),
    });

    engine.runUntilIdle();
    expect(workOf(harness)).toEqual({ queued: 0, running: 0 });
  });

  it('work: a cancelled job leaves the queued and running work at once', () => {
    const harness = createTestScheduler({ slots: 2, maxQueuedImages: 10 });
    const { scheduler, engine } = harness;
    admit(scheduler, testJobSpec({ jobId: 'running', count: 2, steps: 8, width: 128, height: 128 }));
    admit(scheduler, testJobSpec({ jobId: 'waiting', count: 3, steps: 5, width: 256, height: 256 }));
    engine.step();
    expectWork(harness, { queued: work(3, 5, '256x256'), running: work(2, 7, '128x128') });

    expect(scheduler.cancel('running', testOwner)).toBe(true);
    // Its images hold their slots until the engine lets go at the next step, but run no step more.
    expect(scheduler.load().running).toBe(2);
    expectWork(harness, { queued: work(3, 5, '256x256'), running: 0 });

    // Released at that step boundary, the slots went to two waiting images, which ran that step.
    engine.step();
    expectWork(harness, { queued: work(1, 5, '256x256'), running: work(2, 4, '256x256') });
    expect(scheduler.cancel('waiting', testOwner)).toBe(true);
    expect(workOf(harness)).toEqual({ queued: 0, running: 0 });
  });

  it('work: an image whose inference failed leaves the running work', () => {
    const harness = createTestScheduler({ slots: 2 });
    const { scheduler, engine } = harness;
    const job = admit(scheduler, testJobSpec({ count: 1, steps: 6, width: 128, height: 128 }));
    engine.step();
    engine.fail(job.sampleId(0), 'out of memory');
    expect(workOf(harness)).toEqual({ queued: 0, running: 0 });
  });

  describe('deadlines', () => {
    beforeEach(() => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    it('work: a queued or running job past its deadline leaves the work figures', () => {
      const harness = createTestScheduler({ slots: 1, maxQueuedImages: 10 });
      const { scheduler, engine } = harness;
      admit(
        scheduler,
        testJobSpec({ jobId: 'slow', steps: 10, width: 256, height: 256, deadlineAt: harness.now + 100 }),
      );
      admit(scheduler, testJobSpec({ jobId: 'late', count: 2, steps: 4, deadlineAt: harness.now + 50 }));
      engine.step();
      expectWork(harness, { queued: work(2, 4, '64x64'), running: work(1, 9, '256x256') });
      harness.now += 50;
      vi.advanceTimersByTime(50);
      expectWork(harness, { queued: 0, running: work(1, 9, '256x256') });
      harness.now += 50;
      vi.advanceTimersByTime(50);
      expect(workOf(harness)).toEqual({ queued: 0, running: 0 });
    });
  });
});

describe('Scheduler work rate and step curve', () => {
  it('work rate: null before the first step, then the megapixel-steps done per second of the clock', () => {
    const harness = createTestScheduler({ slots: 4 });
    const { scheduler } = harness;
    expect(scheduler.load().workPerSecond).toBeNull();
    admit(scheduler, testJobSpec({ count: 4, steps: 40, width: 512, height: 512 }));
    for (let step = 0; step < 40; step++) stepTaking(harness, 50);
    // Four 512x512 images advance a step every 50 ms.
    const expected = (4 * mp('512x512')) / 0.05;
    expect((scheduler.load().workPerSecond ?? 0) / expected).toBeCloseTo(1, 6);
    expect(scheduler.load().runningWork).toBe(0);
  });

  it('step curve: measured from the steps the scheduler ran, one point per batch size, empty before any', () => {
    const harness = createTestScheduler({ slots: 4 });
    const { scheduler, engine } = harness;
    expect(scheduler.stepCurve()).toEqual([]);
    // A host where a step costs 5 ms plus 40 ms per megapixel in the batch.
    const host: FakeStepTime = ({ batchMegapixels }) => 5 + 40 * batchMegapixels;
    engine.stepTime = host;
    admit(scheduler, testJobSpec({ jobId: 'one', count: 1, steps: 6, width: 512, height: 512 }));
    engine.runUntilIdle();
    admit(scheduler, testJobSpec({ jobId: 'four', count: 4, steps: 6, width: 512, height: 512 }));
    engine.runUntilIdle();
    const one = mp('512x512');
    expectCurveNear(scheduler.stepCurve(), [
      { batch_megapixels: one, step_ms: host({ batchSize: 1, batchMegapixels: one }) },
      { batch_megapixels: 4 * one, step_ms: host({ batchSize: 4, batchMegapixels: 4 * one }) },
    ]);
  });

  it('step curve: follows the host when its speed changes', () => {
    const harness = createTestScheduler({ slots: 4 });
    const { scheduler, engine } = harness;
    engine.stepTime = ({ batchMegapixels }) => 10 + 20 * batchMegapixels;
    admit(scheduler, testJobSpec({ jobId: 'before', count: 4, steps: 20, width: 256, height: 256 }));
    engine.runUntilIdle();
    const batch = 4 * mp('256x256');
    expectCurveNear(scheduler.stepCurve(), [{ batch_megapixels: batch, step_ms: 10 + 20 * batch }]);

    // The host is now three times slower (shared GPU, throttling): the curve says so within a job.
    engine.stepTime = ({ batchMegapixels }) => 3 * (10 + 20 * batchMegapixels);
    admit(scheduler, testJobSpec({ jobId: 'after', count: 4, steps: 20, width: 256, height: 256 }));
    engine.runUntilIdle();
    expectCurveNear(scheduler.stepCurve(), [{ batch_megapixels: batch, step_ms: 3 * (10 + 20 * batch) }]);
  });
});
