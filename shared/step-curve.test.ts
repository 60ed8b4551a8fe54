import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stepMsAt } from './step-curve.ts';

const curve = [
  { batch_megapixels: 0.25, step_ms: 20 },
  { batch_megapixels: 1, step_ms: 50 },
];

describe('step curve', () => {
  it('step curve: null before anything was measured', () => {
    expect(stepMsAt([], 1)).toBeNull();
  });

  it('step curve: linear between points, flat below the first, proportional beyond the last', () => {
    expect(stepMsAt(curve, 0.1)).toBe(20);
    expect(stepMsAt(curve, 0.625)).toBeCloseTo(35);
    expect(stepMsAt(curve, 1)).toBe(50);
    expect(stepMsAt(curve, 3)).toBeCloseTo(150);
  });

  it('step curve: never predicts a batching gain past the measured range (work per ms stays flat)', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1_000, noNaN: true }), (megapixels) => {
        const stepMs = stepMsAt(curve, megapixels) ?? 0;
        expect(megapixels / stepMs).toBeCloseTo(1 / 50, 9);
      }),
    );
  });
});
