import type { BackendProgress } from '../../backends/index.ts';

/** Steps a call must report before its silence can mean anything. */
const STEPS_BEFORE_JUDGING = 2;
/** A stalled call has gone this many of its own step intervals without a step... */
const STALL_STEP_INTERVALS = 4;

/**
 * Watches one streamed pool call's step events, to tell a pool that stopped mid-job (issue 4's
 * stall: it accepted the work, its telemetry may look healthy, it finishes nothing) from one
 * that is slow. A call counts as stalled once it has reported steps and then gone quiet for
 * max(`minSilenceMs`, 4x its own mean step interval): a big batch on a big model may take a second
 * a step, and only the call's own pace says what quiet is. A queued call reports no steps and is
 * never judged here (the hedge timer covers it).
 */
export class StepWatch {
  private firstStepAt: number | null = null;
  private lastStepAt: number | null = null;
  private steps = 0;
  private readonly minSilenceMs: number;
  private waiters: Array<() => void> = [];

  constructor(minSilenceMs: number) {
    this.minSilenceMs = minSilenceMs;
  }

  /** Notes a progress event seen at `now`. */
  observe(progress: BackendProgress, now: number): void {
    if (progress.kind !== 'progress') return;
    this.firstStepAt ??= now;
    this.lastStepAt = now;
    this.steps++;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next step (the dispatcher waits on it until `stalledAt` can say anything). */
  nextStep(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** When the call turns stalled if no step comes first (epoch ms); null while it cannot be judged. */
  stalledAt(): number | null {
    if (this.steps < STEPS_BEFORE_JUDGING || this.firstStepAt === null || this.lastStepAt === null) {
      return null;
    }
    const meanIntervalMs = (this.lastStepAt - this.firstStepAt) / (this.steps - 1);
    return this.lastStepAt + Math.max(this.minSilenceMs, STALL_STEP_INTERVALS * meanIntervalMs);
  }
}
