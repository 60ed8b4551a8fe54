/**
 * Readers waiting for an object's next visible change (long-poll, SSE rounds), in memory: every
 * visible write wakes them all, and each wait also ends at its own timeout.
 */
export class ChangeWaiters {
  readonly #waiters = new Set<() => void>();

  /** Wakes every reader waiting now. */
  wakeAll(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }

  /**
   * Reads until `done` holds for what it read, reading again at each {@link wakeAll}, for at most
   * `timeoutMs`; answers the last read.
   */
  async until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      const left = deadline - Date.now();
      if (done(value) || left <= 0) return value;
      await this.#next(left);
    }
  }

  /** Resolves at the next {@link wakeAll} or after `timeoutMs`, whichever comes first. */
  #next(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.add(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
