import { MAX_STEP_CURVE_POINTS, type StepCurvePoint } from '../../shared/index.ts';

/** Step times a bucket remembers; its step time is their median. */
export const RECENT_STEPS_PER_BUCKET = 5;
/**
 * A bucket is forgotten once the pool has spent this long stepping batches of other sizes since
 * its last step. Idle time ages nothing: the host did not change while it waited.
 */
export const STALE_AFTER_BUSY_MS = 120_000;
/** Significant digits a reported point keeps. */
const POINT_DIGITS = 6;

interface Step {
  readonly megapixels: number;
  readonly ms: number;
  /** Busy time of the pool when this step was taken. */
  readonly atBusyMs: number;
}

interface Bucket {
  /** ⌊log₂(batch megapixels)⌋: each bucket spans one doubling of the batch. */
  readonly octave: number;
  /** The last {@link RECENT_STEPS_PER_BUCKET} steps, oldest first. */
  readonly steps: Step[];
  /** Busy time of the pool at this bucket's last step. */
  lastBusyMs: number;
}

/**
 * The pool's step time as a function of the work in its running batch, measured from its own
 * steps (issue 13). Batches fall into log-spaced buckets, one per doubling of batch megapixels;
 * each bucket reports the mean batch megapixels and the median step time of its last few steps,
 * so one spike (a GC pause, a kernel built on first use of a shape) never moves the curve and a
 * change of host speed takes over within a few steps. At most `MAX_STEP_CURVE_POINTS` buckets
 * are kept: a new one evicts the one stepped least recently, and one not stepped for
 * {@link STALE_AFTER_BUSY_MS} of busy time is forgotten, so the curve follows the sizes the pool
 * serves now. Where buckets contradict each other the newer wins (`settleByRecency`). A bucket
 * that never saw a step is simply absent; nothing is configured per host.
 *
 * @example
 * const estimator = new StepCurveEstimator();
 * estimator.record(0.262144, 21);
 * estimator.curve(); // [{ batch_megapixels: 0.262144, step_ms: 21 }]
 */
export class StepCurveEstimator {
  readonly #buckets = new Map<number, Bucket>();
  #busyMs = 0;

  /** Folds in one step of a batch of `batchMegapixels` that took `durationMs`; empty steps say nothing. */
  record(batchMegapixels: number, durationMs: number): void {
    if (!(batchMegapixels > 0 && durationMs > 0 && Number.isFinite(batchMegapixels + durationMs))) return;
    this.#busyMs += durationMs;
    for (const [octave, bucket] of this.#buckets) {
      if (this.#busyMs - bucket.lastBusyMs > STALE_AFTER_BUSY_MS) this.#buckets.delete(octave);
    }
    const octave = Math.floor(Math.log2(batchMegapixels));
    const bucket = this.#buckets.get(octave) ?? this.#open(octave);
    bucket.steps.push({ megapixels: batchMegapixels, ms: durationMs, atBusyMs: this.#busyMs });
    if (bucket.steps.length > RECENT_STEPS_PER_BUCKET) bucket.steps.shift();
    bucket.lastBusyMs = this.#busyMs;
  }

  /**
   * Measured points, increasing batch megapixels, at most `MAX_STEP_CURVE_POINTS`; empty before any
   * step. They obey the two laws of batching, newer measurements overruling older
   * (`settleByRecency`).
   */
  curve(): StepCurvePoint[] {
    const points: StepCurvePoint[] = [];
    for (const { megapixels, stepMs } of settleByRecency([...this.#buckets.values()])) {
      const batchMegapixels = roundSignificant(megapixels);
      // Rounding could tie two neighbours at an octave's edge; the curve must strictly increase.
      if (batchMegapixels <= (points.at(-1)?.batch_megapixels ?? 0)) continue;
      points.push({ batch_megapixels: batchMegapixels, step_ms: roundSignificant(stepMs) });
    }
    return points;
  }

  #open(octave: number): Bucket {
    if (this.#buckets.size >= MAX_STEP_CURVE_POINTS) {
      let stalest: Bucket | undefined;
      for (const bucket of this.#buckets.values()) {
        if (!stalest || bucket.lastBusyMs < stalest.lastBusyMs) stalest = bucket;
      }
      if (stalest) this.#buckets.delete(stalest.octave);
    }
    const bucket: Bucket = { octave, steps: [], lastBusyMs: this.#busyMs };
    this.#buckets.set(octave, bucket);
    return bucket;
  }
}

/**
 * Each bucket's mean batch megapixels and step time (the median of its recent steps), in increasing
 * megapixels, the step times made to obey the two laws of batching by letting newer evidence
 * overrule older: a larger batch never steps faster than a smaller one,
 * and never at less work per ms (batching may gain nothing, it never loses). Buckets are settled
 * from the most recently measured back, each clamped into what the settled ones allow. Why: the
 * first bursts after a start measure batch sizes while every process on the host competes (a
 * 3-image step took 103 ms where 12 images took 26; a full 16-image batch 90 ms where one image
 * took 1.9), and the pool then seldom steps that size again. Read as measured, one such bucket
 * priced every batch above it at its time (the edge takes the running maximum), and the next
 * bursts went 24/0 to the other pool; it kept the pool looking slow at exactly the batch size it
 * was no longer sent. A newer measurement at another size now bounds it. And a batch slower now
 * than a larger one measured earlier says the host slowed: the larger is lifted to it.
 */
function settleByRecency(
  buckets: readonly Bucket[],
): Array<{ readonly megapixels: number; readonly stepMs: number }> {
  // A bucket's figure is as old as the step it comes from: one fresh step does not make a median
  // of old ones new.
  const newestFirst = buckets
    .map((bucket) => ({
      megapixels: mean(bucket.steps.map((step) => step.megapixels)),
      median: lowerMedianStep(bucket.steps),
    }))
    .sort((a, b) => b.median.atBusyMs - a.median.atBusyMs);
  const settled: Array<{ readonly megapixels: number; readonly stepMs: number }> = [];
  for (const { megapixels, median } of newestFirst) {
    let floorMs = 0;
    let ceilingMs = Number.POSITIVE_INFINITY;
    for (const other of settled) {
      const workRatio = megapixels / other.megapixels;
      if (workRatio > 1) {
        floorMs = Math.max(floorMs, other.stepMs);
        ceilingMs = Math.min(ceilingMs, other.stepMs * workRatio);
      } else {
        ceilingMs = Math.min(ceilingMs, other.stepMs);
        floorMs = Math.max(floorMs, other.stepMs * workRatio);
      }
    }
    settled.push({ megapixels, stepMs: Math.min(Math.max(median.ms, floorMs), ceilingMs) });
  }
  // Buckets are one per octave, so their mean megapixels order them as the octaves do.
  return settled.sort((a, b) => a.megapixels - b.megapixels);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

// The lower of the two middle values for an even count: with two steps, a spike loses to the
// ordinary step rather than being averaged in. Buckets are never empty.
function lowerMedianStep(steps: readonly Step[]): Step {
  const sorted = [...steps].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? { megapixels: 0, ms: 0, atBusyMs: 0 };
}

function roundSignificant(value: number): number {
  return Number(value.toPrecision(POINT_DIGITS));
}
