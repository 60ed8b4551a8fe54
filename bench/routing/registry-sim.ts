import type { ModelDefaults, PoolView } from '../../worker/routing/index.ts';
import {
  raiseSuspicion,
  referenceStepMs,
  type Suspicion,
  type SuspicionReason,
  suspicionCleared,
} from '../../worker/routing/index.ts';
import type { PoolSpec } from './pool-spec.ts';
import { REFERENCE_SIZE, REFERENCE_STEPS } from './request-mix.ts';
import type { PoolReport } from './sim-types.ts';

/** The simulated model name every pool serves. */
export const SIM_MODEL = 'sim-model';

/** The defaults every simulated pool reports for the model: the reference request's. */
const SIM_MODEL_DEFAULTS: ReadonlyMap<string, ModelDefaults> = new Map([
  [SIM_MODEL, { steps: REFERENCE_STEPS, size: REFERENCE_SIZE }],
]);

/**
 * The fleet registry: the latest report that reached it from each pool, and the suspicions
 * isolates raised. Its `views()` is what an isolate copies on a snapshot refresh; the array is
 * rebuilt only when something changed, so a refresh is a pointer copy.
 */
export class RegistrySim {
  private readonly reports: (PoolReport | null)[];
  private readonly suspicions: (Suspicion | undefined)[];
  /** Since when each pool's reports have shown no work (null while it has some). */
  private readonly idleSince: (number | null)[];
  /** The lowest job time each pool has reported. */
  private readonly bestJobMs: (number | null)[];
  /** The lowest `referenceStepMs` of each pool's reported curves. */
  private readonly bestReferenceStepMs: (number | null)[];
  private cached: readonly PoolView[] | null = null;

  private readonly specs: readonly PoolSpec[];

  constructor(specs: readonly PoolSpec[]) {
    this.specs = specs;
    this.reports = specs.map(() => null);
    this.suspicions = specs.map(() => undefined);
    this.idleSince = specs.map(() => null);
    this.bestJobMs = specs.map(() => null);
    this.bestReferenceStepMs = specs.map(() => null);
  }

  /** Applies reports that arrived (null = that pool sent nothing). */
  receive(reports: readonly (PoolReport | null)[], now: number): void {
    reports.forEach((report, pool) => {
      if (!report) return;
      const previous = this.reports[pool];
      if (previous && previous.at >= report.at) return;
      this.reports[pool] = report;
      this.idleSince[pool] = report.queued + report.running === 0 ? (this.idleSince[pool] ?? now) : null;
      const best = this.bestJobMs[pool] ?? null;
      if (report.jobMs !== null && (best === null || report.jobMs < best))
        this.bestJobMs[pool] = report.jobMs;
      const reference = referenceStepMs(report.curve);
      const bestReference = this.bestReferenceStepMs[pool] ?? null;
      if (reference !== null && (bestReference === null || reference < bestReference))
        this.bestReferenceStepMs[pool] = reference;
      const suspicion = this.suspicions[pool];
      if (suspicion && suspicionCleared(suspicion, report, now)) this.suspicions[pool] = undefined;
    });
    this.cached = null;
  }

  /** An isolate reports that the pool refused work or stalled. */
  suspect(pool: number, now: number, reason: SuspicionReason): void {
    this.suspicions[pool] = raiseSuspicion(this.suspicions[pool], this.reports[pool] ?? null, now, reason);
    this.cached = null;
  }

  /** The snapshot isolates copy. */
  views(): readonly PoolView[] {
    if (this.cached) return this.cached;
    this.cached = this.specs.map((spec, pool) => {
      const report = this.reports[pool] ?? null;
      return {
        poolId: spec.id,
        providerId: spec.provider,
        region: spec.region,
        models: [SIM_MODEL],
        slots: spec.slots,
        running: report?.running ?? 0,
        queued: report?.queued ?? 0,
        maxQueue: 1_000_000,
        jobMs: report?.jobMs ?? null,
        stepMs: report?.stepMs ?? null,
        draining: false,
        ready: true,
        reportedAt: report?.at ?? null,
        enabled: true,
        suspectUntil: this.suspicions[pool]?.until ?? null,
        idleSince: this.idleSince[pool] ?? null,
        bestJobMs: this.bestJobMs[pool] ?? null,
        queuedWork: report?.queuedWork ?? 0,
        runningWork: report?.runningWork ?? 0,
        stepCurve: report?.curve ?? [],
        bestReferenceStepMs: this.bestReferenceStepMs[pool] ?? null,
        modelDefaults: SIM_MODEL_DEFAULTS,
        pricePerImage: spec.pricePerImage ?? null,
      };
    });
    return this.cached;
  }
}
