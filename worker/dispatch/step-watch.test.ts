import { describe, expect, it } from 'vitest';
import { StepWatch } from './step-watch.ts';

const step = (watch: StepWatch, at: number, k: number, steps = 30) =>
  watch.observe({ kind: 'progress', step: k, steps }, at);

describe('StepWatch', () => {
  it('step watch: not judged before two steps, then quiet for max(min silence, 4 of its own step intervals)', () => {
    const watch = new StepWatch(400);
    expect(watch.stalledAt()).toBeNull();
    step(watch, 1_000, 1);
    expect(watch.stalledAt()).toBeNull();
    step(watch, 1_100, 2);
    expect(watch.stalledAt()).toBe(1_500);
    // Slower steps stretch what counts as quiet: mean interval (1_700 - 1_000) / 3 steps.
    step(watch, 1_400, 3);
    step(watch, 1_700, 4);
    expect(watch.stalledAt()).toBeCloseTo(1_700 + 4 * (700 / 3));
  });

  it("step watch: after its last step a call may be quiet for 4 of the pool's finish times, not a stall", () => {
    // A 1024 px image: steps 100 ms apart, then the pool's decode and PNG take about 700 ms.
    const watch = new StepWatch(400, 700);
    step(watch, 1_000, 1, 3);
    step(watch, 1_100, 2, 3);
    expect(watch.stalledAt()).toBe(1_500);
    step(watch, 1_200, 3, 3);
    expect(watch.stalledAt()).toBe(1_200 + 4 * 700);
    // A pool with no finish figure: the step silence alone, as before.
    const unknown = new StepWatch(400);
    step(unknown, 1_000, 1, 2);
    step(unknown, 1_100, 2, 2);
    expect(unknown.stalledAt()).toBe(1_500);
  });

  it('step watch: a call to a pool that acknowledges what it takes is stalled when nothing came by then', () => {
    const silent = new StepWatch(400, 0, 1_450);
    expect(silent.stalledAt()).toBe(1_450);
    // Any event acknowledges it: a queued call is then judged by the hedge timer, as before.
    silent.observe({ kind: 'queued', position: 2 }, 1_100);
    expect(silent.stalledAt()).toBeNull();
    step(silent, 1_300, 1);
    step(silent, 1_400, 2);
    expect(silent.stalledAt()).toBe(1_800);
    // A pool whose answer comes only at the end is never judged before a step.
    expect(new StepWatch(400).stalledAt()).toBeNull();
  });

  it('step watch: the pace is the median of the latest three step intervals (the faster of two), none before two', () => {
    const watch = new StepWatch(400);
    step(watch, 1_000, 1);
    step(watch, 2_500, 2);
    // One interval, 1.5 s: a shape's first use as likely as the pace.
    expect(watch.pace(2_500)).toBeNull();
    step(watch, 2_700, 3);
    expect(watch.pace(2_800)).toEqual({ step: 3, steps: 30, msPerStep: 200, sinceLastStepMs: 100 });
    step(watch, 3_000, 4);
    expect(watch.pace(3_000)?.msPerStep).toBe(300);
    // A pace that really changed: two slow intervals of the latest three make it.
    step(watch, 5_000, 5);
    expect(watch.pace(5_000)?.msPerStep).toBe(300);
    step(watch, 7_000, 6);
    expect(watch.pace(7_000)?.msPerStep).toBe(2_000);
    // Events that skip steps count per step; a repeated step moves nothing.
    step(watch, 7_000, 6);
    step(watch, 9_000, 8);
    expect(watch.pace(9_000)?.msPerStep).toBe(2_000);
    step(watch, 11_000, 10);
    expect(watch.pace(11_000)?.msPerStep).toBe(1_000);
  });
});
