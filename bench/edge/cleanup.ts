/**
 * Everything the bench started and must stop: stopped in reverse order on success, failure, or
 * SIGINT/SIGTERM, each at most once.
 */
export class Cleanup {
  readonly #stops = new Set<() => Promise<void>>();

  /** Registers `stop`; returns a function that runs it now (once) and forgets it. */
  add(stop: () => Promise<void>): () => Promise<void> {
    let done: Promise<void> | null = null;
    const once = () => {
      this.#stops.delete(once);
      done ??= stop();
      return done;
    };
    this.#stops.add(once);
    return once;
  }

  /** Stops everything still registered, newest first; failures are reported, not thrown. */
  async run(report: (error: unknown) => void): Promise<void> {
    for (const stop of [...this.#stops].reverse()) {
      await stop().catch(report);
    }
  }
}
