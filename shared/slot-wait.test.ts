import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepsUntilSlot } from './slot-wait.ts';

/** Images ahead one by one, each holding its slot for its own steps. */
const oneEach = (steps: readonly number[]) => steps.map((each) => ({ images: 1, steps: each }));

describe('steps until a slot frees', () => {
  it('prices the images ahead by the steps they hold, not by their count', () => {
    // The same position (two images ahead, a full batch of four) on two pools.
    expect(stepsUntilSlot([50, 50, 50, 4], oneEach([4, 50]), 4)).toBe(50);
    expect(stepsUntilSlot([50, 4, 4, 4], oneEach([4, 50]), 4)).toBe(4);
  });

  it('is the shortest running image left when nothing is ahead, and nothing with a slot idle', () => {
    expect(stepsUntilSlot([30, 12, 40], [], 3)).toBe(12);
    expect(stepsUntilSlot([30, 12], [], 3)).toBe(0);
    expect(stepsUntilSlot([], [], 0)).toBe(0);
  });

  it('never waits less behind more images, and never less than the shortest running image', () => {
    const steps = fc.integer({ min: 1, max: 100 });
    fc.assert(
      fc.property(
        fc.array(steps, { minLength: 1, maxLength: 16 }),
        fc.array(steps, { maxLength: 40 }),
        steps,
        (running, ahead, extra) => {
          const slots = running.length;
          const wait = stepsUntilSlot(running, oneEach(ahead), slots);
          expect(stepsUntilSlot(running, oneEach([...ahead, extra]), slots)).toBeGreaterThanOrEqual(wait);
          expect(wait).toBeGreaterThanOrEqual(Math.min(...running));
          // Every step ahead runs on one of the slots, each taken as it frees: the first slot free
          // after them is no later than their even share, and no earlier than that share less
          // the longest hold.
          const total = running.reduce((sum, left) => sum + left, 0) + ahead.reduce((sum, s) => sum + s, 0);
          expect(wait * slots).toBeLessThanOrEqual(total + 1e-9);
          expect(wait).toBeGreaterThanOrEqual(total / slots - 100 - 1e-9);
        },
      ),
    );
  });
});
