import type { BackendProgress } from '../../backends/index.ts';
import type { PoolAcknowledgement } from './dispatch-types.ts';

/**
 * Watches one streamed pool call for the pool's acknowledgement: where it queued the request,
 * until the request starts running. The dispatcher takes one look at each new queued position
 * (the acknowledgement re-route: a request that landed in a longer queue than the snapshot
 * promised moves while it costs nothing), never once the request runs.
 */
export class AckWatch {
  private position: number | null = null;
  private batch: number | undefined;
  private startInMs: number | undefined;
  private judged: number | null = null;
  private running = false;
  private waiters: Array<() => void> = [];

  /** Notes an event of the call. */
  observe(progress: BackendProgress): void {
    if (progress.kind === 'progress') this.running = true;
    else {
      this.position = progress.position;
      this.batch = progress.batchMegapixels;
      this.startInMs = progress.startInMs;
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** A queued position not judged yet, while the request has not started; else null. */
  unjudgedPosition(): number | null {
    if (this.running || this.position === null || this.position === this.judged) return null;
    return this.position;
  }

  /**
   * Where the pool last said the call is (position 0 with the batch's megapixels, if it said:
   * straight into a batch), whether or not the call runs by now; null before any acknowledgement.
   */
  latest(): PoolAcknowledgement | null {
    return this.position === null
      ? null
      : { position: this.position, batchMegapixels: this.batch, startInMs: this.startInMs };
  }

  /** Marks the current position as judged. */
  judge(): void {
    this.judged = this.position;
  }

  /** Resolves at the call's next event, while a position may still come to judge. */
  nextEvent(): Promise<void> | null {
    if (this.running) return null;
    return this.anyEvent();
  }

  /** Resolves at the call's next event of any kind. */
  anyEvent(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}
