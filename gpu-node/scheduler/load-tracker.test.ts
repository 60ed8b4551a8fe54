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
});
