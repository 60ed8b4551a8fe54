/** Exponentially weighted moving average; `null` until the first sample. */
export class Ewma {
  #value: number | null = null;
  readonly #alpha: number;

  /** @param alpha weight of each new sample, in (0, 1]. */
  constructor(alpha: number) {
    this.#alpha = alpha;
  }

  /** Folds in a sample. */
  add(sample: number): void {
    this.#value = this.#value === null ? sample : this.#value + this.#alpha * (sample - this.#value);
  }

  /** Current average. */
  get value(): number | null {
    return this.#value;
  }
}

/** Events per second over a sliding window, e.g. images completed. */
export class RateMeter {
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #timestamps: number[] = [];

  constructor(windowMs: number, now: () => number) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Records `count` events now. */
  mark(count = 1): void {
    const now = this.#now();
    for (let index = 0; index < count; index++) this.#timestamps.push(now);
    this.#trim(now);
  }

  /** Events per second over the window. */
  perSecond(): number {
    const now = this.#now();
    this.#trim(now);
    return (this.#timestamps.length * 1000) / this.#windowMs;
  }

  #trim(now: number): void {
    const cutoff = now - this.#windowMs;
    let drop = 0;
    while (drop < this.#timestamps.length && (this.#timestamps[drop] ?? 0) < cutoff) drop++;
    if (drop > 0) this.#timestamps.splice(0, drop);
  }
}

/**
 * Amount per second, exponentially weighted over time: an amount recorded `t` ms ago weighs
 * e^(−t/τ). Idle time lowers the rate; until the history is a few τ long the average is taken
 * over the time observed, so the first records already give the true rate (no warm-up bias).
 */
export class DecayingRate {
  readonly #timeConstantMs: number;
  readonly #now: () => number;
  #weighted = 0;
  #updatedAt = 0;
  #startedAt: number | null = null;

  /** @param timeConstantMs τ: how fast old amounts fade. */
  constructor(timeConstantMs: number, now: () => number) {
    this.#timeConstantMs = timeConstantMs;
    this.#now = now;
  }

  /**
   * Records `amount` finished now, done evenly over the last `spanMs` (the first record's span
   * starts the history).
   */
  add(amount: number, spanMs: number): void {
    const now = this.#now();
    const span = Math.max(0, spanMs);
    if (this.#startedAt === null) {
      this.#startedAt = now - span;
      this.#updatedAt = now;
    }
    // The mean weight over the span, so a steady stream reads as its rate with no lag bias.
    const tau = this.#timeConstantMs;
    const spread = span > 0 ? (tau / span) * -Math.expm1(-span / tau) : 1;
    this.#weighted = this.#decayedTo(now) + amount * spread;
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }

  /** Amount per second lately; null before anything was recorded. */
  perSecond(): number | null {
    if (this.#startedAt === null) return null;
    const now = this.#now();
    // A steady rate r over an observed span s leaves r·τ·(1 − e^(−s/τ)) in the weighted sum.
    const observedMs = Math.max(1, now - this.#startedAt);
    const coverage = -Math.expm1(-observedMs / this.#timeConstantMs);
    return (this.#decayedTo(now) / this.#timeConstantMs / coverage) * 1000;
  }

  #decayedTo(now: number): number {
    return this.#weighted * Math.exp(-Math.max(0, now - this.#updatedAt) / this.#timeConstantMs);
  }
}
