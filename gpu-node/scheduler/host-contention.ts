/**
 * Busy time over which the contention figure averages: a step weighs e^(−t/τ), t being the step
 * time recorded after it. Long enough to span many steps, short enough to follow a burst.
 */
const BUSY_TIME_CONSTANT_MS = 500;
/**
 * Half of what the figure exceeds 1 by is forgotten every this many ms the pool goes without a
 * step. Contention is measured only while the pool steps; once it is idle, whatever crowded the
 * cores may have stopped too, and the next batch is not known to share them.
 */
export const IDLE_CONTENTION_HALF_LIFE_MS = 250;

/**
 * How much longer the pool's steps take than their own compute, lately: wall time over own time
 * (wall time less the time the step's thread waited for a CPU, `StepRecord.waitMs`), at least 1.
 *
 * Why it is kept apart from the step curve: on a host the pool shares (the local stack's pools, the
 * edge and a client on two cores), a step waits for the CPU as long as the others keep it busy,
 * up to 10x its own time at the start of a burst. A curve of wall times then says more about which
 * pool the scheduler happened to starve than about its batches, and equal pools read as one twice
 * as fast as the other. So the curve is measured in own time (`StepCurveEstimator`) and this
 * factor scales it when reported: a pool crowded right now still says its steps are slower, and one
 * whose crowding has passed is not priced for it at its next batch.
 *
 * @example
 * const contention = new HostContention(() => performance.now());
 * contention.record(30, 10); // a 30 ms step that waited 20 ms for the CPU
 * contention.factor(); // 3, fading towards 1 while no step comes
 */
export class HostContention {
  readonly #now: () => number;
  #wallMs = 0;
  #ownMs = 0;
  #lastStepAt: number | null = null;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** Folds in one step: its wall time and its own (wall less its wait for a CPU). */
  record(wallMs: number, ownMs: number): void {
    if (!(wallMs > 0 && ownMs > 0 && ownMs <= wallMs)) return;
    const keep = Math.exp(-wallMs / BUSY_TIME_CONSTANT_MS);
    this.#wallMs = this.#wallMs * keep + wallMs;
    this.#ownMs = this.#ownMs * keep + ownMs;
    this.#lastStepAt = this.#now();
  }

  /** Wall time per ms of own time lately, faded towards 1 while the pool has not stepped. */
  factor(): number {
    if (this.#lastStepAt === null || !(this.#ownMs > 0)) return 1;
    const measured = Math.max(1, this.#wallMs / this.#ownMs);
    const idleMs = Math.max(0, this.#now() - this.#lastStepAt);
    return 1 + (measured - 1) * 2 ** (-idleMs / IDLE_CONTENTION_HALF_LIFE_MS);
  }
}
