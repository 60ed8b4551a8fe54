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

interface Bucket {
  /** ⌊log₂(batch megapixels)⌋: each bucket spans one doubling of the batch. */
  readonly octave: number;
  /** The last {@link RECENT_STEPS_PER_BUCKET} steps, oldest first. */
  readonly steps: Array<{ readonly megapixels: number; readonly ms: number }>;
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
 * serves now. A bucket that never saw a step is simply absent; nothing is configured per host.
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
    bucket.steps.push({ megapixels: batchMegapixels, ms: durationMs });
    if (bucket.steps.length > RECENT_STEPS_PER_BUCKET) bucket.steps.shift();
    bucket.lastBusyMs = this.#busyMs;
  }

  /** Measured points, increasing batch megapixels, at most `MAX_STEP_CURVE_POINTS`; empty before any step. */
  curve(): StepCurvePoint[] {
    const points: StepCurvePoint[] = [];
    for (const bucket of [...this.#buckets.values()].sort((a, b) => a.octave - b.octave)) {
      const batchMegapixels = roundSignificant(mean(bucket.steps.map((step) => step.megapixels)));
      // Rounding could tie two neighbours at an octave's edge; the curve must strictly increase.
      if (batchMegapixels <= (points.at(-1)?.batch_megapixels ?? 0)) continue;
      points.push({
        batch_megapixels: batchMegapixels,
        step_ms: roundSignificant(lowerMedian(bucket.steps.map((step) => step.ms))),
      });
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

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

// The lower of the two middle values for an even count: with two steps, a spike loses to the
// ordinary step rather than being averaged in.
function lowerMedian(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

function roundSignificant(value: number): number {
  return Number(value.toPrecision(POINT_DIGITS));
}
