import { Ewma, RateMeter } from '../telemetry/load-statistics.ts';

/** Weight of each new step or job time in its moving average. */
const EWMA_WEIGHT = 0.2;
/** Images per second are counted over this window. */
const THROUGHPUT_WINDOW_MS = 10_000;
/** Retry-After never asks a client to wait longer than this. */
const MAX_RETRY_AFTER_SECONDS = 120;

/** The pool's measured pace: step and job times, images per second, and the wait they imply. */
export class LoadTracker {
  readonly #stepMs = new Ewma(EWMA_WEIGHT);
  readonly #jobMs = new Ewma(EWMA_WEIGHT);
  readonly #throughput: RateMeter;

  constructor(now: () => number) {
    this.#throughput = new RateMeter(THROUGHPUT_WINDOW_MS, now);
  }

  /** Records one batched step; an empty step says nothing about the pace. */
  recordStep(batchSize: number, durationMs: number): void {
    if (batchSize > 0) this.#stepMs.add(durationMs);
  }

  /** Records one finished image. */
  recordImage(): void {
    this.#throughput.mark();
  }

  /** Records a job's time from its first slot to its last image. */
  recordJob(durationMs: number): void {
    this.#jobMs.add(durationMs);
  }

  /** Moving average of a step, in ms; null before the first. */
  get stepMs(): number | null {
    return this.#stepMs.value;
  }

  /** Moving average of a job, in ms; null before the first. */
  get jobMs(): number | null {
    return this.#jobMs.value;
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
