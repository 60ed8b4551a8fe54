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
 * - its measured step curve, faded while it is idle (`curveIdleScale`);
 * - a pool that reports work but has measured no step: the fleet's stand-in (`unmeasuredCurve`);
 * - a pool with no work section (older gpu-node), or a fleet where nobody measured a step: one
 *   typical image per job time (`effectiveJobMs`) and no batching gain, so its images count as
 *   typical images and a fuller batch is never assumed to be nearly free.
 */
export function speedOf(pool: PoolView, fallbacks: SpeedFallbacks): PoolSpeed {
  const slots = Math.max(1, pool.slots);
  const curve = pool.stepCurve;
  if (curve && curve.length > 0) return { curve, scale: curveIdleScale(pool, fallbacks.takenAt), slots };
  if (reportsWork(pool) && fallbacks.fallbackCurve)
    return { curve: fallbacks.fallbackCurve, scale: 1, slots };
  const jobMs = effectiveJobMs(pool, fallbacks.fallbackJobMs, fallbacks.takenAt);
  const { typical } = fallbacks;
  return { curve: noGainCurve(typical, jobMs / typical.steps), scale: 1, slots };
}

/**
 * The stand-in curve for pools that have measured no step: the median single-image throughput of
 * the pools that have (their curve at one typical image), with no batching gain; null if none has.
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
    if (!curve || curve.length === 0) continue;
    throughputs.push(fullBatchThroughput({ curve, scale: curveIdleScale(pool, now), slots: 1 }, typical));
  }
  const throughput = median(throughputs, 0);
  return throughput > 0 ? noGainCurve(typical, typical.imageMegapixels / throughput) : null;
}
