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

  it('step curve: linear between points, proportional below the first and beyond the last', () => {
    expect(stepMsAt(curve, 0.1)).toBeCloseTo(8);
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

  it('step curve: never decreasing in the batch, whatever the measured points say', () => {
    const point = fc.record({
      batch_megapixels: fc.double({ min: 0.01, max: 10, noNaN: true }),
      step_ms: fc.double({ min: 0.1, max: 5_000, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(point, { minLength: 1, maxLength: 8 }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        fc.double({ min: 0, max: 20, noNaN: true }),
        (points, a, b) => {
          const sorted = [...points].sort((x, y) => x.batch_megapixels - y.batch_megapixels);
          const unique = sorted.filter(
            (p, i) => i === 0 || p.batch_megapixels > (sorted[i - 1]?.batch_megapixels ?? 0),
          );
          const [small, big] = a <= b ? [a, b] : [b, a];
          expect(stepMsAt(unique, big) ?? 0).toBeGreaterThanOrEqual((stepMsAt(unique, small) ?? 0) - 1e-9);
        },
      ),
    );
    // A noisy dip at 2 MP reads at the 1 MP point's time.
    const dipped = [
      { batch_megapixels: 1, step_ms: 100 },
      { batch_megapixels: 2, step_ms: 80 },
      { batch_megapixels: 4, step_ms: 300 },
    ];
    expect(stepMsAt(dipped, 2)).toBe(100);
    expect(stepMsAt(dipped, 3)).toBe(200);
  });
});
