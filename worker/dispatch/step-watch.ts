import type { BackendProgress } from '../../backends/index.ts';
import { STALL_FINISH_TIMES } from '../routing/index.ts';

/** Steps a call must report before its silence can mean anything. */
const STEPS_BEFORE_JUDGING = 2;
/** Step intervals the pace is read from: the median of the latest three (the faster of two). */
const PACE_INTERVALS = 3;
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
 * queued call reports no steps and is never judged here (the hedge timer covers it); a call to a
 * pool that acknowledges what it takes and has heard nothing by `acknowledgeBy` is stalled (a
 * frozen pool process still accepts connections, so only the missing acknowledgement shows it).
 */
export class StepWatch {
  private firstStepAt: number | null = null;
  private lastStepAt: number | null = null;
  private steps = 0;
  /** The latest step events that moved the request on (up to `PACE_INTERVALS` + 1), oldest first. */
  private readonly recent: StepReading[] = [];
  private readonly minSilenceMs: number;
  private readonly finishMs: number;
  private readonly acknowledgeBy: number | null;
  private acknowledged = false;
  private waiters: Array<() => void> = [];

  /**
   * @param minSilenceMs least silence after a step that counts as a stall
   * @param finishMs the pool's measured time from an image's last step to its answer (0: unknown)
   * @param acknowledgeBy when (epoch ms) a call with no event at all counts as stalled: its pool
   *   acknowledges every call it takes at once (`ImageBackend.acknowledges`); null where it does not
   */
  constructor(minSilenceMs: number, finishMs = 0, acknowledgeBy: number | null = null) {
    this.minSilenceMs = minSilenceMs;
    this.finishMs = Number.isFinite(finishMs) && finishMs > 0 ? finishMs : 0;
    this.acknowledgeBy = acknowledgeBy !== null && Number.isFinite(acknowledgeBy) ? acknowledgeBy : null;
  }

  /** Notes an event of the call seen at `now`: any event acknowledges it; a step moves it on. */
  observe(progress: BackendProgress, now: number): void {
    this.acknowledged = true;
    if (progress.kind !== 'progress') {
      this.wake();
      return;
    }
    this.firstStepAt ??= now;
    this.lastStepAt = now;
    this.steps++;
    const latest = this.recent.at(-1);
    if (latest === undefined || progress.step > latest.step) {
      this.recent.push({ step: progress.step, steps: progress.steps, at: now });
      if (this.recent.length > PACE_INTERVALS + 1) this.recent.shift();
    }
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next event (the dispatcher waits on it until `stalledAt` can say anything). */
  nextStep(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * The call's pace as its latest step events tell it (routing's `projectedRemainingMs` reads
   * it): where it is, the ms each of its latest steps took, and the ms since the latest; null
   * before three events that moved it on. The ms per step is the median of its latest three
   * intervals (the faster of two), so one slow interval is not taken for its pace: the first use
   * of a batch shape on a pool (a fresh pool's first four 1024 px images: 1.5 s between its first
   * two steps, 0.2-0.3 s after) or a hiccup of its host. A pace that really changed (a batch of
   * large images joined) shows in two intervals.
   */
  pace(now: number): { step: number; steps: number; msPerStep: number; sinceLastStepMs: number } | null {
    const { recent } = this;
    const latest = recent.at(-1);
    if (latest === undefined || recent.length < 3) return null;
    const intervals = recent
      .slice(1)
      .map((reading, index) => {
        const before = recent[index] as StepReading;
        return (reading.at - before.at) / (reading.step - before.step);
      })
      .sort((a, b) => a - b);
    return {
      step: latest.step,
      steps: latest.steps,
      msPerStep: intervals[(intervals.length - 1) >> 1] ?? 0,
      sinceLastStepMs: Math.max(0, now - latest.at),
    };
  }

  /**
   * When the call turns stalled if no event comes first (epoch ms); null while it cannot be judged:
   * not acknowledged by `acknowledgeBy`, or quiet too long after its steps.
   */
  stalledAt(): number | null {
    if (!this.acknowledged) return this.acknowledgeBy;
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
    const latest = this.recent.at(-1);
    if (latest === undefined || latest.step < latest.steps || this.finishMs <= 0) return null;
    return latest.at + STALL_FINISH_TIMES * this.finishMs;
  }
}

interface StepReading {
  readonly step: number;
  readonly steps: number;
  readonly at: number;
}
