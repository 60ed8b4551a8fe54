/** Settings of a {@link RetryBudget}. */
export interface RetryBudgetOptions {
  /** Tokens each request earns: the share of traffic that may be retries. Default 0.1. */
  readonly ratio?: number;
  /** Most tokens kept, and the start: how many retries a burst of failures may take. Default 10. */
  readonly capacity?: number;
}

/**
 * A token bucket for failover, one per isolate. Each request earns `ratio` tokens up to
 * `capacity`; each failover spends one, and with none left the request gets its first pool's
 * answer instead of another attempt. When a whole provider fails, retries stop near 10% of
 * traffic rather than tripling it (Google SRE, "Handling Overload": retries < 10% of requests;
 * AWS Builders' Library: token-bucket retry budgets).
 *
 * @example
 * const budget = new RetryBudget();
 * budget.earn();                       // once per request
 * const mayFailOver = budget.spend(); // once per failover; false: answer with this pool's error
 */
export class RetryBudget {
  readonly #ratio: number;
  readonly #capacity: number;
  #tokens: number;

  constructor(options: RetryBudgetOptions = {}) {
    this.#ratio = options.ratio ?? 0.1;
    this.#capacity = options.capacity ?? 10;
    this.#tokens = this.#capacity;
  }

  /** Credits one request's share. */
  earn(): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + this.#ratio);
  }

  /** Takes one token for a failover; false (and nothing taken) when the budget is spent. */
  spend(): boolean {
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Tokens left, for tests and metrics. */
  get tokens(): number {
    return this.#tokens;
  }
}
