import type { StepCurvePoint } from './schemas/telemetry-report.ts';

/**
 * The step time a pool's measured curve predicts for a batch of `batchMegapixels`, ms, or null
 * when the pool has measured nothing yet. Where the curve is silent it assumes no batching gain:
 * beyond the last point and below the first, step time is in proportion to the batch (the work
 * per ms of the nearest measured point). Below the first point that is what keeps routing honest:
 * a pool that has only measured a big batch would otherwise look free for every image up to it
 * (each one adding nothing to the step time), and a burst would pile onto it.
 * Never decreasing in the batch: a measured point below an earlier one (noise, or a host that was
 * busier when the smaller batch ran) is read at the earlier one's time, so adding work to a pool
 * never makes it look faster. Constant time for the few points a report carries
 * (`MAX_STEP_CURVE_POINTS`).
 *
 * @example
 * stepMsAt([{ batch_megapixels: 0.26, step_ms: 20 }, { batch_megapixels: 1.05, step_ms: 60 }], 0.5); // ≈ 32
 */
export function stepMsAt(curve: readonly StepCurvePoint[], batchMegapixels: number): number | null {
  const first = curve[0];
  if (!first) return null;
  if (batchMegapixels <= first.batch_megapixels) {
    return first.step_ms * (batchMegapixels / first.batch_megapixels);
  }
  // Routing reads it several times per candidate pool: one pass, no allocation.
  let lower = first;
  let lowerMs = first.step_ms;
  for (const upper of curve) {
    if (upper === first) continue;
    const upperMs = Math.max(lowerMs, upper.step_ms);
    if (batchMegapixels <= upper.batch_megapixels) {
      const share =
        (batchMegapixels - lower.batch_megapixels) / (upper.batch_megapixels - lower.batch_megapixels);
      return lowerMs + share * (upperMs - lowerMs);
    }
    lower = upper;
    lowerMs = upperMs;
  }
  return lowerMs * (batchMegapixels / lower.batch_megapixels);
}
