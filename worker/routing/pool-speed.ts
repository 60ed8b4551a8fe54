import type { StepCurvePoint } from '../../shared/schemas/telemetry-report.ts';
import type { PoolView } from './fleet-view.ts';
import { reportsWork } from './pool-load.ts';
import { curveIdleScale, effectiveJobMs, median } from './scoring.ts';
import { fullBatchThroughput, noGainCurve, type PoolSpeed, type TypicalImage } from './work-model.ts';

/** What a pool's speed falls back on, from the rest of the snapshot (see `FleetContext`). */
export interface SpeedFallbacks {
  readonly typical: TypicalImage;
  /** Job time of a pool that has measured nothing (the fleet median). */
  readonly fallbackJobMs: number;
  /** Stand-in curve for a pool that reports work but has measured no step; null if none has. */
  readonly fallbackCurve: PoolSpeed['curve'] | null;
  /** When the snapshot was taken (epoch ms): idle decay is as of then. */
  readonly takenAt: number;
}

/**
 * A pool's speed as of the snapshot:
 * - its measured step curve, faded while it is idle (`curveIdleScale`), with the fleet's stand-in
 *   at one typical image where it has measured only smaller batches (`curveBeyondMeasured`);
 * - a pool that reports work but has measured no step: the fleet's stand-in (`unmeasuredCurve`);
 * - a pool with no work section (older gpu-node), or a fleet where nobody measured a step: one
 *   typical image per job time (`effectiveJobMs`) and no batching gain, so its images count as
 *   typical images and a fuller batch is never assumed to be nearly free.
 */
export function speedOf(pool: PoolView, fallbacks: SpeedFallbacks): PoolSpeed {
  const slots = Math.max(1, pool.slots);
  const curve = pool.stepCurve;
  if (curve && curve.length > 0) {
    return {
      curve: curveBeyondMeasured(curve, fallbacks),
      scale: curveIdleScale(pool, fallbacks.takenAt),
      slots,
    };
  }
  if (reportsWork(pool) && fallbacks.fallbackCurve)
    return { curve: fallbacks.fallbackCurve, scale: 1, slots };
  const jobMs = effectiveJobMs(pool, fallbacks.fallbackJobMs, fallbacks.takenAt);
  const { typical } = fallbacks;
  return { curve: noGainCurve(typical, jobMs / typical.steps), scale: 1, slots };
}

/**
 * A measured curve, extended where it is silent about a typical image: a pool whose largest
 * measured batch is smaller than one typical image (it has served only small images lately) gets
 * the fleet's stand-in (`unmeasuredCurve`) at one typical image, never faster than its own last
 * point. Read past its last point in proportion (`stepMsAt`), such a curve makes no allowance for a
 * step's fixed cost: a pool measured at a 64x64 batch whose steps cost their overhead alone (24
 * ms) would be priced 64 times that for one 512x512 image, many times what it takes, and would get
 * only small images from then on, which measure nothing larger: a pool starved of the work that
 * would correct it. Without a stand-in (no pool has measured a typical image) the proportional
 * reading stays: never the optimistic one.
 *
 * @example
 * // Measured at 64x64 only; the fleet's median pool steps one 512x512 image in 30 ms.
 * curveBeyondMeasured([{ batch_megapixels: 0.004, step_ms: 24 }], fallbacks);
 * // [{ batch_megapixels: 0.004, step_ms: 24 }, { batch_megapixels: 0.26, step_ms: 30 }]
 */
export function curveBeyondMeasured(
  curve: readonly StepCurvePoint[],
  fallbacks: Pick<SpeedFallbacks, 'typical' | 'fallbackCurve'>,
): readonly StepCurvePoint[] {
  const last = curve[curve.length - 1];
  const standIn = fallbacks.fallbackCurve?.[0];
  if (!last || !standIn || measuresTypicalImage(curve, fallbacks.typical)) return curve;
  return [
    ...curve,
    { batch_megapixels: standIn.batch_megapixels, step_ms: Math.max(last.step_ms, standIn.step_ms) },
  ];
}

/** Whether the curve has measured a batch of at least one typical image. */
function measuresTypicalImage(curve: readonly StepCurvePoint[], typical: TypicalImage): boolean {
  return (curve[curve.length - 1]?.batch_megapixels ?? 0) >= typical.imageMegapixels;
}

/**
 * The stand-in curve for pools that have measured no step: the median single-image throughput of
 * the pools that have measured a typical image or more (their curve at one typical image), with no
 * batching gain; null if none has.
 * A median rather than a pessimistic default, so a new pool is not starved of the work that would
 * measure it (as `fleetMedianJobMs`).
 */
export function unmeasuredCurve(
  pools: readonly PoolView[],
  typical: TypicalImage,
  now: number,
): PoolSpeed['curve'] | null {
  const throughputs: number[] = [];
  for (const pool of pools) {
    const curve = pool.stepCurve;
    if (!curve || !measuresTypicalImage(curve, typical)) continue;
    throughputs.push(fullBatchThroughput({ curve, scale: curveIdleScale(pool, now), slots: 1 }, typical));
  }
  const throughput = median(throughputs, 0);
  return throughput > 0 ? noGainCurve(typical, typical.imageMegapixels / throughput) : null;
}
