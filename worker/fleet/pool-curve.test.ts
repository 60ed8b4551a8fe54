import { describe, expect, it } from 'vitest';
import { expectedCompletionMs, indexFleet, noObservations } from '../routing/index.ts';
import { nearLinearCurve, now, policy, request, workPool } from '../testing/routing-fixtures.ts';
import { poolCurveOf } from './pool-views.ts';

describe('pool curves over parallel engine batches', () => {
  it('pool curve: a pool stepping two batches side by side steps twice the megapixels in the same time', () => {
    const curve = nearLinearCurve();
    expect(poolCurveOf(curve, 2)).toEqual(
      curve.map((point) => ({ batch_megapixels: 2 * point.batch_megapixels, step_ms: point.step_ms })),
    );
    expect(poolCurveOf(curve, 1)).toBe(curve);
    expect(poolCurveOf(curve, undefined)).toBe(curve);
    expect(poolCurveOf(null, 2)).toBeNull();
  });

  it('pool curve: with the same per-batch curve and load, the two-batch pool is predicted sooner', () => {
    const load = { running: 8, runningWork: 8 * 0.262144 * 10 };
    const single = workPool('single', { ...load, slots: 16 });
    const double = workPool('double', { ...load, slots: 16, stepCurve: poolCurveOf(nearLinearCurve(), 2) });
    const fleet = indexFleet([single, double], 'tiny', policy).fleet;
    const predicted = (pool: typeof single) =>
      expectedCompletionMs(pool, request, noObservations, fleet, now);
    expect(predicted(double)).toBeLessThan(predicted(single) * 0.75);
  });
});
