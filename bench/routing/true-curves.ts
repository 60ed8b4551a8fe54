import type { CurveSpec } from './curve-spec.ts';
import type { PoolSpec } from './pool-spec.ts';
import { REFERENCE_MEGAPIXELS, REFERENCE_STEPS } from './request-mix.ts';

/** A pool's true step time for a batch of that many megapixels, ms (before any slow fault). */
export type StepTime = (batchMegapixels: number) => number;

/** The curve a pool runs when neither it nor its scenario names one: compute-bound diffusion. */
export const DEFAULT_CURVE: CurveSpec = { kind: 'near-linear', overhead: 0.1 };

/** What a scenario says about curves (see `scenario-schema.ts`). */
export interface CurveDefaults {
  readonly curve?: CurveSpec | undefined;
  readonly poolCurves?: Readonly<Record<string, CurveSpec>> | undefined;
  readonly batchSlowdown?: number | undefined;
}

/**
 * The pool's curve: its own `curve`, else the scenario's `poolCurves` entry for it, else its own
 * `batchSlowdown`, else the scenario's `curve`, else the scenario's `batchSlowdown`, else
 * `DEFAULT_CURVE`: the more specific setting wins.
 */
export function curveSpecOf(spec: PoolSpec, defaults: CurveDefaults): CurveSpec {
  if (spec.curve) return spec.curve;
  const named = defaults.poolCurves?.[spec.id];
  if (named) return named;
  if (spec.batchSlowdown !== undefined) return { kind: 'batch-slowdown', slowdown: spec.batchSlowdown };
  if (defaults.curve) return defaults.curve;
  if (defaults.batchSlowdown !== undefined)
    return { kind: 'batch-slowdown', slowdown: defaults.batchSlowdown };
  return DEFAULT_CURVE;
}

/** The step time function of a curve on a pool (its `jobMs` is the reference request alone). */
export function stepTimeOf(curve: CurveSpec, spec: PoolSpec): StepTime {
  const referenceStepMs = spec.jobMs / REFERENCE_STEPS;
  switch (curve.kind) {
    case 'near-linear': {
      const fixed = curve.overhead;
      return (batch) => referenceStepMs * (fixed + ((1 - fixed) * batch) / REFERENCE_MEGAPIXELS);
    }
    case 'sublinear': {
      const { exponent, saturationMegapixels } = curve;
      const atSaturation = referenceStepMs * (saturationMegapixels / REFERENCE_MEGAPIXELS) ** exponent;
      return (batch) =>
        batch <= saturationMegapixels
          ? referenceStepMs * (batch / REFERENCE_MEGAPIXELS) ** exponent
          : (atSaturation * batch) / saturationMegapixels;
    }
    case 'batch-slowdown': {
      // Per extra reference image, as the old simulator: a full batch is `slowdown` slower.
      const perImage = curve.slowdown / Math.max(1, spec.slots - 1);
      return (batch) => referenceStepMs * (1 + perImage * Math.max(0, batch / REFERENCE_MEGAPIXELS - 1));
    }
    case 'points':
      return pointsStepTime(curve.points);
  }
}

/**
 * Time for `n` images of `megapixels` at `steps` alone on the pool, ms: full batches of `slots`
 * images, then the rest.
 */
export function aloneMs(
  stepTime: StepTime,
  slots: number,
  n: number,
  steps: number,
  megapixels: number,
): number {
  const waves = Math.floor(n / slots);
  const rest = n - waves * slots;
  return steps * (waves * stepTime(slots * megapixels) + (rest > 0 ? stepTime(rest * megapixels) : 0));
}

/** Megapixel-steps per ms a pool finishes with a full batch of images of `imageMegapixels`. */
export function fullBatchCapacity(stepTime: StepTime, slots: number, imageMegapixels: number): number {
  const batch = slots * imageMegapixels;
  return batch / stepTime(batch);
}

/**
 * A measured curve as the hardware behaves: linear between the points, flat below the first (a
 * smaller batch is no faster than launch and scheduling allow), in proportion beyond the last.
 * Kept apart from `stepMsAt`, the edge's reading of a reported curve, so the simulated world does
 * not change when the policy's reading does.
 */
function pointsStepTime(points: readonly { batchMegapixels: number; stepMs: number }[]): StepTime {
  const sorted = [...points].sort((a, b) => a.batchMegapixels - b.batchMegapixels);
  return (batch) => {
    const first = sorted[0];
    if (!first) return 1;
    if (batch <= first.batchMegapixels) return first.stepMs;
    for (let index = 1; index < sorted.length; index++) {
      const lower = sorted[index - 1];
      const upper = sorted[index];
      if (!lower || !upper || batch > upper.batchMegapixels) continue;
      const share = (batch - lower.batchMegapixels) / (upper.batchMegapixels - lower.batchMegapixels);
      return lower.stepMs + share * (upper.stepMs - lower.stepMs);
    }
    const last = sorted[sorted.length - 1] ?? first;
    return (last.stepMs * batch) / last.batchMegapixels;
  };
}

/**
 * A job alone on the pool that would finish it soonest, round trip (`rtt`, per pool) included,
 * ms: the denominator of its slowdown.
 */
export function bestAloneMs(
  pools: ReadonlyArray<{ readonly stepTime: StepTime; readonly slots: number }>,
  rtt: readonly number[],
  job: { readonly images: number; readonly steps: number; readonly megapixels: number },
): number {
  let best = Number.POSITIVE_INFINITY;
  pools.forEach((pool, index) => {
    const alone = aloneMs(pool.stepTime, pool.slots, job.images, job.steps, job.megapixels);
    best = Math.min(best, (rtt[index] ?? 0) + alone);
  });
  return best;
}
