import type { StepCurvePoint } from '../../shared/index.ts';
import type { StepRecord } from '../engine/engine-protocol.ts';
import { DecayingRate, Ewma, RateMeter } from '../telemetry/load-statistics.ts';
import { HostContention } from './host-contention.ts';
import { StepCurveEstimator } from './step-curve-estimator.ts';

/** Weight of each new step or job time in its moving average. */
const EWMA_WEIGHT = 0.2;
/** Images per second are counted over this window. */
const THROUGHPUT_WINDOW_MS = 10_000;
/** Work per second fades with this time constant, the same horizon as images per second. */
const WORK_RATE_TIME_CONSTANT_MS = THROUGHPUT_WINDOW_MS;
/** Jobs the median job time is taken over. */
const RECENT_JOBS = 100;
/** Retry-After never asks a client to wait longer than this. */
const MAX_RETRY_AFTER_SECONDS = 120;

/**
 * The pool's measured pace: step and job times, the step curve, images and work per second,
 * and the wait they imply.
 */
export class LoadTracker {
  readonly #stepMs = new Ewma(EWMA_WEIGHT);
  readonly #jobMs = new Ewma(EWMA_WEIGHT);
  readonly #finishMs = new Ewma(EWMA_WEIGHT);
  readonly #finishMsPerMegapixel = new Ewma(EWMA_WEIGHT);
  readonly #recentJobMs: number[] = [];
  readonly #throughput: RateMeter;
  readonly #work: DecayingRate;
  readonly #curve = new StepCurveEstimator();
  readonly #modelCurves = new Map<string, StepCurveEstimator>();
  readonly #contention: HostContention;

  constructor(now: () => number) {
    this.#contention = new HostContention(now);
    this.#throughput = new RateMeter(THROUGHPUT_WINDOW_MS, now);
    this.#work = new DecayingRate(WORK_RATE_TIME_CONSTANT_MS, now);
  }

  /**
   * Records the batched steps of one engine report, just finished: each step's time and its point
   * on the step curve, and their work (each image advanced one step: a step does its batch's
   * megapixels in megapixel-steps). Empty steps say nothing. The curve takes each step's own time
   * (less its wait for a CPU), the host's crowding going to `HostContention`.
   */
  recordSteps(steps: readonly StepRecord[]): void {
    let work = 0;
    let busyMs = 0;
    for (const { batchSize, batchMegapixels, durationMs, waitMs, models } of steps) {
      if (batchSize === 0) continue;
      this.#stepMs.add(durationMs);
      const ownShare = ownShareOf(durationMs, waitMs);
      const ownMs = durationMs * ownShare;
      this.#curve.record(batchMegapixels, ownMs);
      this.#contention.record(durationMs, ownMs);
      work += batchMegapixels;
      busyMs += durationMs;
      for (const share of models ?? []) {
        let curve = this.#modelCurves.get(share.model);
        if (!curve) {
          curve = new StepCurveEstimator();
          this.#modelCurves.set(share.model, curve);
        }
        curve.record(share.batchMegapixels, share.durationMs * ownShare);
      }
    }
    if (busyMs > 0) this.#work.add(work, busyMs);
  }

  /**
   * Records one finished image, with its decode and encode time when the engine measured it, and
   * its megapixels when known (the finish per megapixel).
   */
  recordImage(finishMs?: number, imageMegapixels?: number): void {
    this.#throughput.mark();
    if (finishMs === undefined || !Number.isFinite(finishMs) || finishMs < 0) return;
    this.#finishMs.add(finishMs);
    if (imageMegapixels !== undefined && imageMegapixels > 0) {
      this.#finishMsPerMegapixel.add(finishMs / imageMegapixels);
    }
  }

  /**
   * Moving average of an image's time after its last step per megapixel of it, ms; null before
   * the first. Decoding and PNG encoding both scale with the pixels: on `spillway-tiny` a 256 px
   * image took 15-25 ms and a 1024 px one 450-700, so a router that priced every image at the pool's
   * average finish gave a 1024 px request after 256 px ones a thirtieth of its own finish.
   */
  get finishMsPerMegapixel(): number | null {
    return this.#finishMsPerMegapixel.value;
  }

  /**
   * Moving average of an image's time after its last step (decode, PNG), ms; null before the first.
   * It is no step's work, so the step curve leaves it out; on a small image it can be longer than
   * all the steps together, and a router that ignored it would see an idle pool's request as
   * several times shorter than it is.
   */
  get finishMs(): number | null {
    return this.#finishMs.value;
  }

  /** Records a job's time from its first slot to its last image. */
  recordJob(durationMs: number): void {
    this.#jobMs.add(durationMs);
    this.#recentJobMs.push(durationMs);
    if (this.#recentJobMs.length > RECENT_JOBS) this.#recentJobMs.shift();
  }

  /** Median of the last {@link RECENT_JOBS} job times, ms; null before the first. */
  get medianJobMs(): number | null {
    if (this.#recentJobMs.length === 0) return null;
    const sorted = [...this.#recentJobMs].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1
      ? (sorted[middle] ?? null)
      : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
  }

  /** Moving average of a step, in ms; null before the first. */
  get stepMs(): number | null {
    return this.#stepMs.value;
  }

  /** Moving average of a job, in ms; null before the first. */
  get jobMs(): number | null {
    return this.#jobMs.value;
  }

  /** Megapixel-steps done per second lately; null before the first step. */
  workPerSecond(): number | null {
    return this.#work.perSecond();
  }

  /**
   * The measured step curve, in own step time scaled by the host's crowding now
   * (`HostContention`); empty before the first step.
   */
  stepCurve(): StepCurvePoint[] {
    return crowded(this.#curve.curve(), this.#contention.factor());
  }

  /**
   * Each model's own step curve: the time its batches took within a step by their megapixels.
   * A pool serving models of different weights (SD 1.5 beside SDXL) steps each at its own pace;
   * the pool's curve mixes them. Models not stepped yet are absent.
   */
  modelStepCurves(): Map<string, StepCurvePoint[]> {
    const factor = this.#contention.factor();
    return new Map([...this.#modelCurves].map(([model, curve]) => [model, crowded(curve.curve(), factor)]));
  }

  /** Images finished per second, recently. */
  imagesPerSecond(): number {
    return this.#throughput.perSecond();
  }

  /**
   * Whole seconds until `queuedImages` more have drained, from the measured rate or, before any
   * image finished recently, from the job time: at least 1, at most {@link MAX_RETRY_AFTER_SECONDS}.
   */
  retryAfterSeconds(queuedImages: number, slots: number): number {
    const measured = this.#throughput.perSecond();
    const jobMs = this.#jobMs.value;
    const estimated = jobMs ? (slots * 1000) / jobMs : 0;
    const drainRate = measured > 0 ? measured : estimated;
    if (drainRate <= 0) return 1;
    return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(1, Math.ceil((queuedImages + 1) / drainRate)));
  }
}

/** The share of a step's wall time that was its own compute: all of it where no wait was measured. */
function ownShareOf(durationMs: number, waitMs: number | undefined): number {
  if (waitMs === undefined || !(waitMs > 0) || !(durationMs > 0)) return 1;
  // No step runs in no time: a wait as long as the step (the two reads straddled a descheduling)
  // still leaves it a sliver of its own.
  return Math.max(MIN_OWN_SHARE, 1 - waitMs / durationMs);
}

/** Own share of a step below which its wait is not believed (clock granularity, a descheduled read). */
const MIN_OWN_SHARE = 0.05;

function crowded(curve: StepCurvePoint[], factor: number): StepCurvePoint[] {
  if (factor === 1) return curve;
  return curve.map((point) => ({
    batch_megapixels: point.batch_megapixels,
    step_ms: Number((point.step_ms * factor).toPrecision(6)),
  }));
}
