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
});
