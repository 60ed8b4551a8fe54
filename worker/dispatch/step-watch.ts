import type { BackendProgress } from '../../backends/index.ts';
import { STALL_FINISH_TIMES } from '../routing/index.ts';

/** Steps a call must report before its silence can mean anything. */
const STEPS_BEFORE_JUDGING = 2;
/** A stalled call has gone this many of its own step intervals without a step... */
const STALL_STEP_INTERVALS = 4;

/**
 * Watches one streamed pool call's step events, to tell a pool that stopped mid-job (issue 4's
 * stall: it accepted the work, its telemetry may look healthy, it finishes nothing) from one
 * that is slow. A call counts as stalled once it has reported steps and then gone quiet for
 * max(`minSilenceMs`, 4x its own mean step interval): a big batch on a big model may take a second
 * a step, and only the call's own pace says what quiet is; after its last step, at least
 * `STALL_FINISH_TIMES` of the pool's measured finish time (`finishingUntil`: a copy sent while
 * the image is being made would run the whole request again for an image about to arrive). A
 * queued call reports no steps and is never judged here (the hedge timer covers it).
 */
export class StepWatch {
  private firstStepAt: number | null = null;
  private lastStepAt: number | null = null;
  private steps = 0;
  /** The latest two step events that moved the request on: where it was, and when. */
  private latest: StepReading | null = null;
  private previous: StepReading | null = null;
  private readonly minSilenceMs: number;
  private readonly finishMs: number;
  private waiters: Array<() => void> = [];

  /**
   * @param minSilenceMs least silence after a step that counts as a stall
   * @param finishMs the pool's measured time from an image's last step to its answer (0: unknown)
   */
  constructor(minSilenceMs: number, finishMs = 0) {
    this.minSilenceMs = minSilenceMs;
    this.finishMs = Number.isFinite(finishMs) && finishMs > 0 ? finishMs : 0;
  }

  /** Notes a progress event seen at `now`. */
  observe(progress: BackendProgress, now: number): void {
    if (progress.kind !== 'progress') return;
    this.firstStepAt ??= now;
    this.lastStepAt = now;
    this.steps++;
    if (this.latest === null || progress.step > this.latest.step) {
      this.previous = this.latest;
      this.latest = { step: progress.step, steps: progress.steps, at: now };
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next step (the dispatcher waits on it until `stalledAt` can say anything). */
  nextStep(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * The call's pace as its latest two step events tell it (routing's `projectedRemainingMs`
   * reads it): where it is, the ms each of its latest steps took, and the ms since the latest;
   * null before two events that moved it on.
   */
  pace(now: number): { step: number; steps: number; msPerStep: number; sinceLastStepMs: number } | null {
    const { latest, previous } = this;
    if (latest === null || previous === null) return null;
    return {
      step: latest.step,
      steps: latest.steps,
      msPerStep: (latest.at - previous.at) / (latest.step - previous.step),
      sinceLastStepMs: Math.max(0, now - latest.at),
    };
  }

  /** When the call turns stalled if no step comes first (epoch ms); null while it cannot be judged. */
  stalledAt(): number | null {
    if (this.steps < STEPS_BEFORE_JUDGING || this.firstStepAt === null || this.lastStepAt === null) {
      return null;
    }
    const meanIntervalMs = (this.lastStepAt - this.firstStepAt) / (this.steps - 1);
    const stepSilenceAt =
      this.lastStepAt + Math.max(this.minSilenceMs, STALL_STEP_INTERVALS * meanIntervalMs);
    return Math.max(stepSilenceAt, this.finishingUntil() ?? stepSilenceAt);
  }

  /**
   * Until when (epoch ms) the pool may be silent making the image, once the call reported its last
   * step: `STALL_FINISH_TIMES` of the pool's finish time after it; null before the last step or
   * where the pool's finish time is unknown.
   */
  finishingUntil(): number | null {
    const { latest } = this;
    if (latest === null || latest.step < latest.steps || this.finishMs <= 0) return null;
    return latest.at + STALL_FINISH_TIMES * this.finishMs;
  }
}

interface StepReading {
  readonly step: number;
  readonly steps: number;
  readonly at: number;
}
