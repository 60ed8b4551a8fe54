/** Promises that resolve once a count, read again on every {@link CountWatch.notify}, reaches a target. */
export class CountWatch {
  readonly #read: () => number;
  #waiting: Array<{ readonly target: number; readonly resolve: () => void }> = [];

  constructor(read: () => number) {
    this.#read = read;
  }

  /** Resolves once the count is at least `target` (at once if it already is). */
  whenAtLeast(target: number): Promise<void> {
    if (this.#read() >= target) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ target, resolve }));
  }

  /** Call after the count may have changed. */
  notify(): void {
    const count = this.#read();
    const reached = this.#waiting.filter((waiter) => count >= waiter.target);
    this.#waiting = this.#waiting.filter((waiter) => count < waiter.target);
    for (const waiter of reached) waiter.resolve();
  }
}
