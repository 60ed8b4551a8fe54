import { durationBucket, latencyBin } from './latency-bins.ts';
import { outcomeClassOf, type RequestEvent } from './request-event.ts';
import * as keys from './stats-keys.ts';

/** An error as `GET /v1/admin/stats` lists it. */
export interface RecentError {
  readonly at: number;
  readonly request_id: string;
  readonly code: string;
  readonly status: number;
  readonly pool_id: string | null;
}

/** The errors an isolate keeps between flushes, as many as the stats list. */
export const RECENT_ERRORS_KEPT = 20;

/**
 * What an isolate counted since its last flush: window counters per second of the events' own
 * time (so a late flush still lands in the right second), monotonic totals, and its newest errors.
 */
export interface StatsDelta {
  readonly seconds: ReadonlyArray<{
    readonly second: number;
    readonly counts: Readonly<Record<string, number>>;
  }>;
  readonly totals: Readonly<Record<string, number>>;
  readonly errors: readonly RecentError[];
}

/** Accumulates events into a {@link StatsDelta}; one per isolate, emptied by each flush. */
export class StatsDeltaBuilder {
  #seconds = new Map<number, Map<string, number>>();
  #totals = new Map<string, number>();
  #errors: RecentError[] = [];

  /** Nothing counted since the last {@link take}. */
  get empty(): boolean {
    return this.#seconds.size === 0 && this.#totals.size === 0 && this.#errors.length === 0;
  }

  /** Counts one finished request or job dispatch. */
  add(event: RequestEvent): void {
    const second = Math.floor(event.at / 1000);
    const window = (key: string, n = 1) => bump(this.#windowOf(second), key, n);
    const total = (key: string, n = 1) => bump(this.#totals, key, n);
    const edgeRequest = event.route !== 'job_dispatch';
    const outcome = outcomeClassOf(event);
    if (edgeRequest && event.tier !== null) window(keys.statsKey(keys.TIER, event.tier, outcome));
    // A cancel is its client's doing: no error, and none against the pool it ran on.
    if (event.code !== null && outcome !== 'canceled') {
      window(keys.statsKey(keys.ERROR, event.code));
      this.#addError(event, event.code);
    }
    if (event.poolId !== null && event.providerId !== null) {
      window(keys.statsKey(keys.ROUTE, event.poolId, event.providerId));
      if (event.hedged) {
        window(keys.statsKey(keys.HEDGED, event.poolId, event.providerId));
        total(keys.statsKey(keys.HEDGED, event.poolId, event.providerId));
      }
    }
    // Submitting a job takes milliseconds; only generations and dispatches speak of latency.
    if (event.route !== 'job_submit') window(keys.statsKey(keys.LATENCY, latencyBin(event.latencyMs)));
    total(
      keys.statsKey(
        keys.REQUESTS,
        event.route,
        event.tier ?? '',
        event.status,
        event.code ?? '',
        event.poolId ?? '',
      ),
    );
    total(keys.statsKey(keys.DURATION_BUCKET, event.route, durationBucket(event.latencyMs)));
    total(keys.statsKey(keys.DURATION_SUM, event.route), event.latencyMs);
    total(keys.statsKey(keys.DURATION_COUNT, event.route));
    for (const attempt of event.attempts) {
      total(keys.statsKey(keys.ATTEMPTS, attempt.poolId, attempt.providerId, attempt.outcome));
    }
    if (event.admission) total(keys.statsKey(keys.ADMISSIONS, event.tier ?? '', event.admission));
  }

  /** Adds a delta back (one whose flush failed), so its counts go out with the next. */
  merge(delta: StatsDelta): void {
    for (const { second, counts } of delta.seconds) {
      const window = this.#windowOf(second);
      for (const [key, n] of Object.entries(counts)) bump(window, key, n);
    }
    for (const [key, n] of Object.entries(delta.totals)) bump(this.#totals, key, n);
    this.#errors = newest([...this.#errors, ...delta.errors]);
  }

  /** Everything counted so far, leaving the builder empty; null when there is nothing. */
  take(): StatsDelta | null {
    if (this.empty) return null;
    const delta: StatsDelta = {
      seconds: [...this.#seconds].map(([second, counts]) => ({ second, counts: Object.fromEntries(counts) })),
      totals: Object.fromEntries(this.#totals),
      errors: this.#errors,
    };
    this.#seconds = new Map();
    this.#totals = new Map();
    this.#errors = [];
    return delta;
  }

  #windowOf(second: number): Map<string, number> {
    let window = this.#seconds.get(second);
    if (!window) {
      window = new Map();
      this.#seconds.set(second, window);
    }
    return window;
  }

  #addError(event: RequestEvent, code: string): void {
    this.#errors.push({
      at: event.at,
      request_id: event.requestId,
      code,
      status: event.status,
      pool_id: event.poolId,
    });
    if (this.#errors.length > RECENT_ERRORS_KEPT * 2) this.#errors = newest(this.#errors);
  }
}

function bump(counts: Map<string, number>, key: string, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** The {@link RECENT_ERRORS_KEPT} newest errors, oldest first. */
function newest(errors: readonly RecentError[]): RecentError[] {
  return [...errors].sort((a, b) => a.at - b.at).slice(-RECENT_ERRORS_KEPT);
}
