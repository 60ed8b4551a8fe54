import { describe, expect, it } from 'vitest';
import { LoadTracker } from './load-tracker.ts';

describe('LoadTracker', () => {
  it('load tracker: with nothing measured a client is asked to retry after 1 s', () => {
    expect(new LoadTracker(() => 0).retryAfterSeconds(50, 4)).toBe(1);
  });

  it('load tracker: retry-after is the queue plus one over the images finished per second', () => {
    const tracker = new LoadTracker(() => 0);
    for (let image = 0; image < 5; image++) tracker.recordImage();
    expect(tracker.imagesPerSecond()).toBe(0.5);
    expect(tracker.retryAfterSeconds(3, 4)).toBe(8);
  });

  it('load tracker: once the window is quiet the job time and slots estimate the rate', () => {
    let now = 0;
    const tracker = new LoadTracker(() => now);
    tracker.recordImage();
    tracker.recordJob(2_000);
    now = 60_000;
    expect(tracker.imagesPerSecond()).toBe(0);
    // 4 slots finishing a job every 2 s drain 2 images a second.
    expect(tracker.retryAfterSeconds(5, 4)).toBe(3);
  });

  it('load tracker: the finish time averages the images that were timed and ignores the rest', () => {
    const tracker = new LoadTracker(() => 0);
    tracker.recordImage();
    expect(tracker.finishMs).toBeNull();
    tracker.recordImage(30);
    tracker.recordImage(Number.NaN);
    tracker.recordImage(-5);
    expect(tracker.finishMs).toBe(30);
    tracker.recordImage(80);
    // A moving average: the newest image moves it a fifth of the way.
    expect(tracker.finishMs).toBeCloseTo(40, 6);
  });

  it('load tracker: the finish per megapixel averages the images whose size is known', () => {
    const tracker = new LoadTracker(() => 0);
    tracker.recordImage(20);
    expect(tracker.finishMsPerMegapixel).toBeNull();
    // A 256 px image finished in 20 ms, then a 1024 px one in 640.
    tracker.recordImage(20, 0.065536);
    expect(tracker.finishMsPerMegapixel).toBeCloseTo(20 / 0.065536, 6);
    tracker.recordImage(640, 1.048576);
    expect(tracker.finishMsPerMegapixel).toBeCloseTo(0.8 * (20 / 0.065536) + 0.2 * (640 / 1.048576), 6);
  });

  it('load tracker: retry-after is capped at two minutes', () => {
    const tracker = new LoadTracker(() => 0);
    tracker.recordImage();
    expect(tracker.retryAfterSeconds(10_000, 4)).toBe(120);
  });

  it('load tracker: empty steps leave the step average, the step curve and the work rate alone', () => {
    const tracker = new LoadTracker(() => 0);
    const empty = { batchSize: 0, batchMegapixels: 0, durationMs: 500 };
    tracker.recordSteps([empty]);
    expect([tracker.stepMs, tracker.workPerSecond(), tracker.stepCurve()]).toEqual([null, null, []]);
    tracker.recordSteps([{ batchSize: 2, batchMegapixels: 0.5, durationMs: 40 }, empty]);
    expect(tracker.stepMs).toBe(40);
    expect(tracker.stepCurve()).toEqual([{ batch_megapixels: 0.5, step_ms: 40 }]);
  });

  it('load tracker: each model keeps its own step curve from its share of the steps', () => {
    const tracker = new LoadTracker(() => 0);
    tracker.recordSteps([
      {
        batchSize: 3,
        batchMegapixels: 1.5,
        durationMs: 130,
        models: [
          { model: 'sd15', batchMegapixels: 0.5, durationMs: 30 },
          { model: 'sdxl', batchMegapixels: 1, durationMs: 100 },
        ],
      },
      {
        batchSize: 1,
        batchMegapixels: 0.5,
        durationMs: 31,
        models: [{ model: 'sd15', batchMegapixels: 0.5, durationMs: 31 }],
      },
    ]);
    const curves = tracker.modelStepCurves();
    expect([...curves.keys()].sort()).toEqual(['sd15', 'sdxl']);
    expect(curves.get('sdxl')).toEqual([{ batch_megapixels: 1, step_ms: 100 }]);
    // sd15 steps 0.5 MP in about 30 ms, at a third of sdxl's time per megapixel; the pool's
    // curve, mixing both, would say neither.
    const [sd15] = curves.get('sd15') ?? [];
    expect(sd15?.batch_megapixels).toBe(0.5);
    expect(sd15?.step_ms).toBeGreaterThanOrEqual(30);
    expect(sd15?.step_ms).toBeLessThanOrEqual(31);
    expect(tracker.stepCurve().map(({ batch_megapixels }) => batch_megapixels)).toEqual([0.5, 1.5]);
  });

  it('load tracker: the median job time is over the last 100 jobs', () => {
    const tracker = new LoadTracker(() => 0);
    expect(tracker.medianJobMs).toBeNull();
    for (const ms of [300, 100, 200]) tracker.recordJob(ms);
    expect(tracker.medianJobMs).toBe(200);
    tracker.recordJob(400);
    expect(tracker.medianJobMs).toBe(250);
    // 100 fast jobs push the slow ones out of the window.
    for (let job = 0; job < 100; job++) tracker.recordJob(50);
    expect(tracker.medianJobMs).toBe(50);
  });

  it('load tracker: a step that waited for the CPU is read as its own time, scaled by the crowding while it lasts', () => {
    let now = 0;
    const tracker = new LoadTracker(() => now);
    // Three 0.5 MP steps of 20 ms of their own; two waited 50-60 ms more for a CPU that the edge
    // and another pool were using (the start of a burst on a shared host).
    tracker.recordSteps([
      { batchSize: 2, batchMegapixels: 0.5, durationMs: 80, waitMs: 60 },
      { batchSize: 2, batchMegapixels: 0.5, durationMs: 70, waitMs: 50 },
      { batchSize: 2, batchMegapixels: 0.5, durationMs: 20, waitMs: 0 },
    ]);
    const [crowded] = tracker.stepCurve();
    // The host is still crowded: the curve says so, for every batch alike ...
    expect(crowded?.step_ms).toBeGreaterThan(20 * 2);
    expect(crowded?.step_ms).toBeLessThan(70);
    // ... and once the pool has been idle a while, its next batch is priced at its own time, not
    // at the wait its last one happened to meet.
    now = 5_000;
    expect(tracker.stepCurve()).toEqual([{ batch_megapixels: 0.5, step_ms: 20 }]);
    // What the pool really took stays in the step average.
    expect(tracker.stepMs).toBeGreaterThan(20);
  });
});
