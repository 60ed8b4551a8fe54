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
