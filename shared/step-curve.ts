import type { StepCurvePoint } from './schemas/telemetry-report.ts';

/**
 * The step time a pool's measured curve predicts for a batch of `batchMegapixels`, ms, or null
 * when the pool has measured nothing yet. Conservative where the curve is silent: a smaller batch
 * than any measured steps no faster than the smallest measured one, and a larger batch gains
 * nothing from batching (its step time grows in proportion to the batch beyond the last point).
 * Constant time for the few points a report carries (`MAX_STEP_CURVE_POINTS`).
 *
 * @example
 * stepMsAt([{ batch_megapixels: 0.26, step_ms: 20 }, { batch_megapixels: 1.05, step_ms: 60 }], 0.5); // ≈ 32
 */
export function stepMsAt(curve: readonly StepCurvePoint[], batchMegapixels: number): number | null {
  const first = curve[0];
  if (!first) return null;
  if (batchMegapixels <= first.batch_megapixels) return first.step_ms;
  for (let index = 1; index < curve.length; index++) {
    const upper = curve[index];
    const lower = curve[index - 1];
    if (!upper || !lower || batchMegapixels > upper.batch_megapixels) continue;
    const share =
      (batchMegapixels - lower.batch_megapixels) / (upper.batch_megapixels - lower.batch_megapixels);
    return lower.step_ms + share * (upper.step_ms - lower.step_ms);
  }
  const last = curve[curve.length - 1] ?? first;
  return last.step_ms * (batchMegapixels / last.batch_megapixels);
}
