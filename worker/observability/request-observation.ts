import type { AdmissionSource } from '../admission/admission-verdict.ts';
import type { AttemptRecord, DispatchObserver } from '../dispatch/dispatch-types.ts';
import type { ObservedAttempt } from './request-event.ts';
import type { RequestTrace } from './request-trace.ts';

/** The outcome fields of a dispatch that the observation keeps. */
interface DispatchFacts {
  readonly ok: boolean;
  readonly attempts: readonly AttemptRecord[];
  readonly poolId?: string;
  readonly providerId?: string;
}

/**
 * The facts about one request that only its route learns (model, work, pools tried, hedging),
 * collected while it runs and read once it finished. One per request, never shared.
 */
export class RequestObservation implements DispatchObserver {
  readonly trace: RequestTrace;
  model: string | null = null;
  work: number | null = null;
  poolId: string | null = null;
  providerId: string | null = null;
  attempts: readonly ObservedAttempt[] = [];
  hedged = false;
  /** How the tenant's limits were checked, once they were. */
  admission: AdmissionSource | null = null;

  constructor(trace: RequestTrace) {
    this.trace = trace;
  }

  /** A `traceparent` for one pool call: this request's trace, a span of its own. */
  childTraceparent(): string {
    return this.trace.childTraceparent();
  }

  /** The request's work as routing resolved it. */
  routed(work: number | undefined): void {
    this.work = work ?? null;
  }

  /** Records where the request went: the answering pool, else the last one tried. */
  dispatched(outcome: DispatchFacts): void {
    this.attempts = outcome.attempts.map(({ poolId, providerId, outcome: how }) => ({
      poolId,
      providerId,
      outcome: how,
    }));
    this.hedged = outcome.attempts.some((attempt) => attempt.hedge === true);
    const last = outcome.attempts.at(-1);
    this.poolId = outcome.ok ? (outcome.poolId ?? null) : (last?.poolId ?? null);
    this.providerId = outcome.ok ? (outcome.providerId ?? null) : (last?.providerId ?? null);
  }
}
