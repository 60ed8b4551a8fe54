import { type ImagesAhead, type SlotWait, stepMsAt, stepsUntilSlot } from '../../shared/index.ts';
import { CurveMeter } from './curve-meter.ts';
import type { PoolSpec } from './pool-spec.ts';
import type { Random } from './rng.ts';
import type { Copy, PoolReport } from './sim-types.ts';
import type { StepTime } from './true-curves.ts';

/** EWMA weight of the newest job time in the pool's reported `jobMs`. */
const JOB_MS_EWMA = 0.2;
/** Finish tolerance, steps (float error of the progress counter). */
const EPSILON_STEPS = 1e-9;

/** One image holding a slot. */
export interface RunningImage {
  readonly copy: Copy;
  /** Progress counter value at which its last step is done. */
  readonly finishV: number;
  readonly megapixels: number;
}

/**
 * One pool with a step-level continuous batcher, as gpu-node: every image of a request takes a
 * slot, queued images start in arrival order as slots free, and every running image advances one
 * step per batch step. A step takes the pool's true curve at the batch's megapixels (times a slow
 * fault's factor), so progress is one counter `v` (steps done by an image running throughout) and
 * an image started at `v0` with `s` steps finishes at `v0 + s`. A request is done with its last
 * image. The pool measures its own curve from its steps (`CurveMeter`) and reports queued and
 * running work in megapixel-steps.
 */
export class PoolSim {
  readonly slots: number;
  queue: Copy[] = [];
  queueHead = 0;
  queuedImages = 0;
  queuedWork = 0;
  running: RunningImage[] = [];
  batchMegapixels = 0;
  /** Sum over running images of finishV x megapixels (running work = this - v x batch). */
  private finishSum = 0;
  /** Copies on their way to the pool (the oracle counts them). */
  readonly inTransit = new Set<Copy>();
  v = 0;
  lastAdvanceAt = 0;
  slowFactor = 1;
  dead = false;
  deadSince = -1;
  stalledSince = -1;
  frozen: PoolReport | null = null;
  epoch = 0;
  ewmaJobMs: number | null = null;

  readonly index: number;
  readonly spec: PoolSpec;
  readonly stepTime: StepTime;
  private readonly meter: CurveMeter;

  constructor(index: number, spec: PoolSpec, stepTime: StepTime, measurementNoise: Random) {
    this.index = index;
    this.spec = spec;
    this.stepTime = stepTime;
    this.slots = spec.slots;
    this.meter = new CurveMeter(measurementNoise);
  }

  /** Time of one step of the running batch now, ms (a stalled pool's last pace). */
  stepMs(): number {
    return this.stepTime(Math.max(this.batchMegapixels, 1e-9)) * this.slowFactor;
  }

  /** Steps per ms of each running image (0 while stalled or empty). */
  rate(): number {
    if (this.stalledSince >= 0 || this.running.length === 0) return 0;
    return 1 / this.stepMs();
  }

  /**
   * Steps done by an image running throughout, as of `now`, without advancing: reading the
   * state must not record a measurement (the meter draws noise for each, which would change what
   * the pool reports and so the run).
   */
  progressAt(now: number): number {
    return this.v + Math.max(0, now - this.lastAdvanceAt) * this.rate();
  }

  /** Moves progress to `now`; the steps since the last batch change are a measurement. */
  advance(now: number): void {
    const rate = this.rate();
    const steps = (now - this.lastAdvanceAt) * rate;
    if (steps > 0) {
      this.meter.record(this.batchMegapixels, 1 / rate, steps);
      this.v += steps;
    }
    this.lastAdvanceAt = now;
  }

  /** Work left in the running batch, megapixel-steps. */
  runningWork(): number {
    return Math.max(0, this.finishSum - this.v * this.batchMegapixels);
  }

  /** Accepts a copy (the caller checked the pool is alive) and starts what fits. */
  admit(copy: Copy, now: number): void {
    this.advance(now);
    copy.state = 'queued';
    copy.unstarted = copy.job.images;
    copy.unfinished = copy.job.images;
    this.queue.push(copy);
    this.queuedImages += copy.job.images;
    this.queuedWork += copy.job.work;
    this.fill(now);
  }

  /** Starts queued images while slots are free. */
  fill(now: number): void {
    while (this.running.length < this.slots && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead];
      if (!next || next.unstarted <= 0 || (next.state !== 'queued' && next.state !== 'running')) {
        this.queueHead++;
        continue;
      }
      const { steps, megapixels } = next.job;
      const finishV = this.v + steps;
      this.running.push({ copy: next, finishV, megapixels });
      this.batchMegapixels += megapixels;
      this.finishSum += finishV * megapixels;
      this.queuedImages--;
      this.queuedWork -= steps * megapixels;
      next.unstarted--;
      if (next.state === 'queued') {
        next.state = 'running';
        next.startedAt = now;
      }
      if (next.unstarted === 0) this.queueHead++;
    }
    if (this.queueHead > 1_024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** When the next image finishes, or null if nothing progresses; bumps the epoch. */
  nextCompletionAt(now: number): number | null {
    this.epoch++;
    const rate = this.rate();
    if (rate === 0) return null;
    let first = Number.POSITIVE_INFINITY;
    for (const image of this.running) first = Math.min(first, image.finishV);
    const at = now + Math.max(0, first - this.v) / rate;
    // Late in a long run a finish a few nanoseconds away can round to `now` itself: nothing would
    // advance and the event would fire again forever. Step the clock on by at least its own
    // resolution (one unit in the last place of `now`) unless the image is already done.
    if (at > now || first <= this.v + EPSILON_STEPS) return at;
    return now + Math.abs(now) * Number.EPSILON;
  }

  /** Removes finished images; returns the copies whose last image finished. */
  takeFinished(now: number): Copy[] {
    this.advance(now);
    const done: Copy[] = [];
    const kept: RunningImage[] = [];
    for (const image of this.running) {
      if (image.finishV > this.v + EPSILON_STEPS) {
        kept.push(image);
        continue;
      }
      this.release(image);
      const { copy } = image;
      copy.unfinished--;
      if (copy.unfinished > 0) continue;
      copy.state = 'done';
      const took = now - copy.startedAt;
      this.ewmaJobMs =
        this.ewmaJobMs === null ? took : this.ewmaJobMs + JOB_MS_EWMA * (took - this.ewmaJobMs);
      done.push(copy);
    }
    this.running = kept;
    this.settle();
    this.fill(now);
    return done;
  }

  /** Drops a cancelled copy; returns whether it was still here. */
  cancel(copy: Copy, now: number): boolean {
    if (copy.state !== 'queued' && copy.state !== 'running') return false;
    this.advance(now);
    if (copy.state === 'running') {
      this.running = this.running.filter((image) => {
        if (image.copy !== copy) return true;
        this.release(image);
        return false;
      });
      this.settle();
    }
    this.queuedImages -= copy.unstarted;
    this.queuedWork -= copy.unstarted * copy.job.steps * copy.job.megapixels;
    copy.unstarted = 0;
    copy.state = 'cancelled';
    this.fill(now);
    return true;
  }

  /** Fail-stop: every copy here is lost; returns them. */
  die(now: number): Copy[] {
    this.advance(now);
    const lost = new Set<Copy>(this.running.map((image) => image.copy));
    for (const copy of this.queue.slice(this.queueHead)) {
      if (copy.state === 'queued' || copy.state === 'running') lost.add(copy);
    }
    for (const copy of lost) copy.state = 'failed';
    this.running = [];
    this.queue = [];
    this.queueHead = 0;
    this.queuedImages = 0;
    this.queuedWork = 0;
    this.settle();
    this.dead = true;
    this.deadSince = now;
    return [...lost];
  }

  /**
   * What gpu-node's `queued` event says of `copy` while it waits (`Scheduler.waitOf`): the ms
   * until its first waiting image gets a slot (`stepsUntilSlot` over the running images' steps left
   * and the images queued ahead), at the running batch's step time on the curve the pool measured
   * (its recent step before the curve has a point), and that batch's megapixels. Null while it
   * waits for nothing or before the pool has timed a step.
   */
  waitOf(copy: Copy): SlotWait | null {
    if (copy.unstarted <= 0) return null;
    const stepMs = stepMsAt(this.meter.curve(), this.batchMegapixels) ?? this.meter.recentStepMs;
    if (stepMs === null) return null;
    const stepsLeft = this.running.map((image) => Math.max(0, image.finishV - this.v));
    const steps = stepsUntilSlot(stepsLeft, this.imagesAhead(copy), this.slots);
    return { startInMs: steps * stepMs, batchMegapixels: this.batchMegapixels };
  }

  /** The images queued before `copy`'s, copy by copy, with each copy's steps. */
  private *imagesAhead(copy: Copy): Generator<ImagesAhead> {
    for (let index = this.queueHead; index < this.queue.length; index++) {
      const waiting = this.queue[index];
      if (!waiting || waiting === copy) return;
      if (waiting.state === 'queued' || waiting.state === 'running') {
        yield { images: waiting.unstarted, steps: waiting.job.steps };
      }
    }
  }

  /** The load figures the pool piggybacks on a response now. */
  load(): { queued: number; running: number; queuedWork: number; runningWork: number } {
    return {
      queued: this.queuedImages,
      running: this.running.length,
      queuedWork: Math.max(0, this.queuedWork),
      runningWork: this.runningWork(),
    };
  }

  /** What the pool would report now (a stalled pool repeats its last healthy figures). */
  report(now: number): PoolReport | null {
    if (this.dead) return null;
    if (this.stalledSince >= 0 && this.frozen) return { ...this.frozen, at: now };
    this.advance(now);
    return {
      ...this.load(),
      jobMs: this.ewmaJobMs,
      stepMs: this.meter.recentStepMs,
      at: now,
      curve: this.meter.curve(),
    };
  }

  private release(image: RunningImage): void {
    this.batchMegapixels -= image.megapixels;
    this.finishSum -= image.finishV * image.megapixels;
  }

  /** Clears float drift once the batch is empty. */
  private settle(): void {
    if (this.running.length > 0) return;
    this.batchMegapixels = 0;
    this.finishSum = 0;
  }
}
