import { MAX_UNSETTLED_TIES } from '../routing/index.ts';

/**
 * The tied pairs one isolate has open: sent to two pools, and not yet settled (neither copy
 * dropped, failed or answered). A request is tied only while fewer than `limit` are
 * (routing's `MAX_UNSETTLED_TIES`, which the simulator's isolates keep too).
 *
 * @example
 * const release = services.ties.tryOpen(); // null: call one pool
 * try {
 *   await dispatchWithFailover({ ...options, tie: release !== null, ...(release ? { onTieSettled: release } : {}) });
 * } finally {
 *   release?.();
 * }
 */
export class TieGate {
  readonly limit: number;
  #open = 0;

  constructor(limit: number = MAX_UNSETTLED_TIES) {
    this.limit = limit;
  }

  /** Pairs open now. */
  get open(): number {
    return this.#open;
  }

  /** Opens a pair if fewer than `limit` are; returns its release (idempotent), or null. */
  tryOpen(): (() => void) | null {
    if (this.#open >= this.limit) return null;
    this.#open++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
    };
  }
}
