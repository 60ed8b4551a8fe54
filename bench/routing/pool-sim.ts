import type { PoolSpec } from './pool-spec.ts';
import type { Copy, PoolReport } from './sim-types.ts';

/** EWMA weight of the newest job time in the pool's reported `jobMs`. */
const JOB_MS_EWMA = 0.2;

/**
 * One pool with a step-level continuous batcher: every running job advances one step per batch
 * step, and a step takes longer the fuller the batch (`batchSlowdown` more at full batch). All
 * jobs need the same work, so progress is tracked as one counter `v` (jobs' worth of steps done
 * by any job running throughout) and a job started at `v0` finishes at `v0 + 1`: completions
 * come in start order and only the head needs an event.
 */
export class PoolSim {
  readonly slots: number;
  readonly jobMs: number;
  queue: Copy[] = [];
  queueHead = 0;
  queuedCount = 0;
  running: Copy[] = [];
  /** Copies on their way to the pool (the oracle counts them). */
  inTransit = 0;
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
  private readonly batchSlowdown: number;

  constructor(index: number, spec: PoolSpec, batchSlowdown: number) {
    this.index = index;
    this.spec = spec;
    this.batchSlowdown = batchSlowdown;
    this.slots = spec.slots;
    this.jobMs = spec.jobMs;
  }

  /** Time one job takes in a batch of `batch`, ms, at the current speed. */
  jobTimeMs(batch: number): number {
    const fill = this.slots > 1 ? (Math.max(1, batch) - 1) / (this.slots - 1) : 0;
    return this.jobMs * (1 + this.batchSlowdown * fill) * this.slowFactor;
  }

  /** Progress per ms of each running job (0 while stalled). */
  rate(): number {
    if (this.stalledSince >= 0 || this.running.length === 0) return 0;
    return 1 / this.jobTimeMs(this.running.length);
  }

  advance(now: number): void {
    this.v += (now - this.lastAdvanceAt) * this.rate();
    this.lastAdvanceAt = now;
  }

  /** Accepts a copy (the caller checked the pool is alive) and starts what fits. */
  admit(copy: Copy, now: number): void {
    this.advance(now);
    copy.state = 'queued';
    this.queue.push(copy);
    this.queuedCount++;
    this.fill(now);
  }

  /** Starts queued copies while slots are free. */
  fill(now: number): void {
    while (this.running.length < this.slots && this.queueHead < this.queue.length) {
      const next = this.queue[this.queueHead++];
      if (next?.state !== 'queued') continue;
      this.queuedCount--;
      next.state = 'running';
      next.startedAt = now;
      next.finishV = this.v + 1;
      this.running.push(next);
    }
    if (this.queueHead > 1_024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }

  /** When the head of the batch finishes, or null if nothing progresses; bumps the epoch. */
  nextCompletionAt(now: number): number | null {
    this.epoch++;
    const head = this.running[0];
    const rate = this.rate();
    if (!head || rate === 0) return null;
    return now + Math.max(0, head.finishV - this.v) / rate;
  }

  /** Removes and returns the copies whose work is done. */
  takeFinished(now: number): Copy[] {
    this.advance(now);
    const done: Copy[] = [];
    while (this.running.length > 0 && (this.running[0]?.finishV ?? 0) <= this.v + 1e-9) {
      const copy = this.running.shift();
      if (!copy) break;
      copy.state = 'done';
      const took = now - copy.startedAt;
      this.ewmaJobMs =
        this.ewmaJobMs === null ? took : this.ewmaJobMs + JOB_MS_EWMA * (took - this.ewmaJobMs);
      done.push(copy);
    }
    this.fill(now);
    return done;
  }

  /** Drops a cancelled copy; returns whether it was still here. */
  cancel(copy: Copy, now: number): boolean {
    if (copy.state === 'queued') {
      copy.state = 'cancelled';
      this.queuedCount--;
      return true;
    }
    if (copy.state !== 'running') return false;
    this.advance(now);
    const at = this.running.indexOf(copy);
    if (at >= 0) this.running.splice(at, 1);
    copy.state = 'cancelled';
    this.fill(now);
    return true;
  }

  /** Fail-stop: every copy here is lost; returns them. */
  die(now: number): Copy[] {
    this.advance(now);
    const lost = [
      ...this.running,
      ...this.queue.slice(this.queueHead).filter((copy) => copy.state === 'queued'),
    ];
    for (const copy of lost) copy.state = 'failed';
    this.running = [];
    this.queue = [];
    this.queueHead = 0;
    this.queuedCount = 0;
    this.dead = true;
    this.deadSince = now;
    return lost;
  }

  /** What the pool would report now (a stalled pool repeats its last healthy figures). */
  report(now: number): PoolReport | null {
    if (this.dead) return null;
    if (this.stalledSince >= 0 && this.frozen) return { ...this.frozen, at: now };
    return { queued: this.queuedCount, running: this.running.length, jobMs: this.ewmaJobMs, at: now };
  }
}
