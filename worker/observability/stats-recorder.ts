import type { RequestEvent } from './request-event.ts';
import { type StatsDelta, StatsDeltaBuilder } from './stats-delta.ts';

/** Least time between two flushes of one isolate. */
export const FLUSH_INTERVAL_MS = 1_000;

/** Options of {@link StatsRecorder}. */
export interface StatsRecorderOptions {
  /** Sends a delta to the aggregator; resolves once it was added. */
  readonly send: (delta: StatsDelta) => Promise<void>;
  readonly now: () => number;
  readonly intervalMs?: number;
}

/**
 * The isolate's side of the request stats: counts events locally and flushes the delta to the
 * aggregator at most once per {@link FLUSH_INTERVAL_MS}, from the `waitUntil` of whichever request
 * finds a flush due (any route: pool heartbeats reach isolates every second or so), so no request
 * waits for the aggregator. Workers forbid one request to await I/O another started
 * (docs/admission.md, "Waiting for a slot"): a flush takes the pending counts and makes its own
 * call, and no request ever waits for another's flush.
 *
 * No timer holds a request open for a later flush: counts recorded after a flush wait for the
 * next request that finds one due (or for the stats routes, which flush their own isolate).
 */
export class StatsRecorder {
  readonly #options: StatsRecorderOptions;
  readonly #pending = new StatsDeltaBuilder();
  #lastFlushAt = Number.NEGATIVE_INFINITY;

  constructor(options: StatsRecorderOptions) {
    this.#options = options;
  }

  /** Counts a finished event (no I/O). */
  record(event: RequestEvent): void {
    this.#pending.add(event);
  }

  /** Starts a flush in this request's `waitUntil` when counts are pending and the interval has passed. */
  flushIfDue(waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.#pending.empty) return;
    if (this.#options.now() < this.#lastFlushAt + (this.#options.intervalMs ?? FLUSH_INTERVAL_MS)) return;
    waitUntil(this.flush());
  }

  /**
   * Sends everything counted so far, in the caller's own request (the stats routes call it so
   * their answer includes this isolate's latest counts). A failed send keeps the counts for the
   * next flush; it never throws.
   */
  async flush(): Promise<void> {
    const delta = this.#pending.take();
    if (!delta) return;
    this.#lastFlushAt = this.#options.now();
    try {
      await this.#options.send(delta);
    } catch (error) {
      this.#pending.merge(delta);
      console.warn(JSON.stringify({ level: 'warn', msg: 'stats flush failed', reason: String(error) }));
    }
  }
}
