import type { SentWorkReading } from './fleet-view.ts';
import { FORECAST_HORIZON_MS } from './load-forecast.ts';

/** Time constant of an isolate's own send rate: the span the load forecast replays arrivals over. */
export const SENT_WORK_TIME_CONSTANT_MS = FORECAST_HORIZON_MS;

/**
 * This isolate's own send rate in work per ms, an exponentially fading count: O(1) to add and to
 * read, whatever the traffic. The load forecast replays the whole fleet's arrivals, this isolate's
 * among them, while scoring also counts its own sends exactly (`ownLoad`); the share of the
 * forecast's arrivals this rate covers is taken off (`expectedCompletionMs`). With one isolate
 * (one location, `npm start`) that is all of them: a burst's own requests no longer come back as
 * the forecast's arrivals on whichever pool reported least lately.
 *
 * @example
 * const rate = new SentWorkRate();
 * rate.add(1.97, Date.now()); // one 256 px, 30-step image
 * rate.perMs(Date.now()); // 1.97 / 3000
 */
export class SentWorkRate implements SentWorkReading {
  #perMs = 0;
  #at = 0;

  /** Counts `work` megapixel-steps sent at `now`. */
  add(work: number, now: number): void {
    if (!(work > 0) || !Number.isFinite(work)) return;
    this.#perMs = this.perMs(now) + work / SENT_WORK_TIME_CONSTANT_MS;
    this.#at = Math.max(this.#at, now);
  }

  /** @inheritdoc */
  perMs(now: number): number {
    if (this.#perMs === 0) return 0;
    return this.#perMs * Math.exp(-Math.max(0, now - this.#at) / SENT_WORK_TIME_CONSTANT_MS);
  }
}
