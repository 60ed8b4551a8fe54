import { describe, expect, it } from 'vitest';
import { FAKE_STEP_MS } from '../testing/fake-batch-engine.ts';
import { recordEvents } from '../testing/record-events.ts';
import { testJobSpec } from '../testing/test-job-spec.ts';
import { admit, createTestScheduler, testSchedulerDefaults } from '../testing/test-scheduler.ts';
import { parseSampleId } from './sample-id.ts';

describe('Scheduler batching', () => {
  it('scheduler: jobs submitted while a batch runs join it at the next step, up to the slots', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 3 });
    const first = admit(scheduler, testJobSpec({ jobId: 'first', steps: 4 }));
    engine.step();
    const joining = ['second', 'third', 'fourth'].map((jobId) =>
      admit(scheduler, testJobSpec({ jobId, steps: 2 })),
    );
    const [second, third, fourth] = joining;
    expect(engine.runningIds).toEqual([first.sampleId(0), second?.sampleId(0), third?.sampleId(0)]);
    expect(scheduler.load()).toMatchObject({ slots: 3, running: 3, queued: 1 });
    expect(fourth?.state).toBe('queued');

    engine.step();
    engine.step();
    // second and third finished at that step; fourth took a freed slot before the next one.
    expect(engine.runningIds).toEqual([first.sampleId(0), fourth?.sampleId(0)]);
    engine.runUntilIdle();
    expect(engine.batchSizes).toEqual([1, 3, 3, 2, 1]);
    expect([first, ...joining].map((job) => job.state)).toEqual(Array(4).fill('succeeded'));
  });

  it('scheduler: the images of one job go to the engine in order, with seeds s, s+1, … wrapping at 2^32', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 4 });
    const job = admit(scheduler, testJobSpec({ count: 3, firstSeed: 2 ** 32 - 2 }));
    expect(engine.submitted.map((sample) => sample.seed)).toEqual([2 ** 32 - 2, 2 ** 32 - 1, 0]);
    expect(engine.submitted.map((sample) => parseSampleId(sample.sampleId))).toEqual(
      [0, 1, 2].map((index) => ({ serial: job.serial, index })),
    );
    engine.runUntilIdle();
    const outcome = job.outcome;
    expect(outcome?.ok && outcome.images.map((image) => image.seed)).toEqual([2 ** 32 - 2, 2 ** 32 - 1, 0]);
  });

  it('scheduler: a job with more images than free slots runs the rest as slots free and settles with the last', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2 });
    const job = admit(scheduler, testJobSpec({ count: 3, steps: 1 }));
    expect([job.state, scheduler.load().running, scheduler.load().queued]).toEqual(['running', 2, 1]);
    engine.step();
    expect(job.finished).toBe(false);
    expect(engine.runningIds).toEqual([job.sampleId(2)]);
    engine.step();
    expect(job.state).toBe('succeeded');
    expect(engine.batchSizes).toEqual([2, 1]);
  });

  it('scheduler: progress follows the slowest image of a job, one event a step, then the outcome', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 2 });
    const job = admit(scheduler, testJobSpec({ count: 2, steps: 3 }));
    const events = recordEvents(job);
    engine.runUntilIdle();
    expect(events.map((event) => (event.type === 'progress' ? event.step : event.type))).toEqual([
      1,
      2,
      3,
      'settled',
    ]);
  });

  it('scheduler: a waiting job hears its queue position each time it moves up', () => {
    const { scheduler, engine } = createTestScheduler({ slots: 1 });
    admit(scheduler, testJobSpec({ jobId: 'running', steps: 1 }));
    admit(scheduler, testJobSpec({ jobId: 'next', steps: 1, count: 2 }));
    const last = admit(scheduler, testJobSpec({ jobId: 'last', steps: 1 }));
    expect(scheduler.positionOf(last)).toBe(2);
    const events = recordEvents(last);
    engine.step();
    engine.step();
    engine.step();
    expect(events.filter((event) => event.type === 'queued')).toEqual([
      { type: 'queued', position: 1 },
      { type: 'queued', position: 0 },
    ]);
    engine.step();
    expect(last.state).toBe('succeeded');
  });

  it('scheduler: a successful outcome carries the images in order, queue time and compute time', () => {
    const harness = createTestScheduler({ slots: 1 });
    const { scheduler, engine } = harness;
    admit(scheduler, testJobSpec({ jobId: 'ahead', steps: 1 }));
    const job = admit(scheduler, testJobSpec({ jobId: 'timed', steps: 2 }));
    harness.now += 300;
    engine.step();
    engine.runUntilIdle();
    const outcome = job.outcome;
    expect(outcome).toMatchObject({ ok: true, queueMs: 300, computeMs: 2 * FAKE_STEP_MS });
    expect(outcome?.ok && outcome.images.map((image) => image.png.length > 0)).toEqual([true]);
  });

  it('scheduler: steps reach the observer and the load figures; empty steps say nothing about pace', () => {
    const harness = createTestScheduler({ slots: 2 });
    const { scheduler, engine, observed } = harness;
    engine.step();
    expect(observed.steps).toEqual([{ batchSize: 0, durationMs: FAKE_STEP_MS }]);
    expect(scheduler.load().ewmaStepMs).toBeNull();

    const job = admit(scheduler, testJobSpec({ steps: 2 }));
    harness.now += 500;
    engine.runUntilIdle();
    expect(observed.steps.slice(1)).toEqual([
      { batchSize: 1, durationMs: FAKE_STEP_MS },
      { batchSize: 1, durationMs: FAKE_STEP_MS },
    ]);
    expect(observed.settled).toEqual([job]);
    expect(scheduler.load()).toEqual({
      slots: 2,
      running: 0,
      queued: 0,
      maxQueue: testSchedulerDefaults.maxQueuedImages,
      ewmaStepMs: FAKE_STEP_MS,
      ewmaJobMs: 500,
      medianJobMs: 500,
      imagesPerSecond: 0.1,
      draining: false,
      queuedWork: 0,
      runningWork: 0,
      workPerSecond: expect.any(Number),
      // The fake engine times no decode: nothing measured, nothing reported.
      finishMs: null,
      finishMsPerMegapixel: null,
    });
  });

  it('scheduler: a queued job hears its position again while the pool steps others, at most every interval', () => {
    const harness = createTestScheduler({ slots: 1 });
    const { scheduler, engine } = harness;
    admit(scheduler, testJobSpec({ jobId: 'running', steps: 20 }));
    const waiting = admit(scheduler, testJobSpec({ jobId: 'waiting', steps: 2 }));
    const events = recordEvents(waiting);
    // Ten steps 50 ms apart: a keep-alive at most every QUEUED_ALIVE_INTERVAL_MS (100 ms).
    for (let step = 0; step < 10; step++) {
      harness.now += 50;
      engine.step();
    }
    const queued = events.filter((event) => event.type === 'queued');
    expect(queued.length).toBeGreaterThanOrEqual(4);
    expect(queued.length).toBeLessThanOrEqual(6);
    expect(queued.every((event) => event.type === 'queued' && event.position === 0)).toBe(true);
    // A pool that stops stepping sends nothing more.
    harness.now += 10_000;
    expect(events.filter((event) => event.type === 'queued')).toHaveLength(queued.length);
  });
});
