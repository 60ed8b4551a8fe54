import type { BackendProgress } from '../../backends/index.ts';

/**
 * Which of a job's pool calls compute it (a step reported), so that a second copy (a hedge) does
 * not make a running job look queued at the other pool: its start is not the job's state while a
 * copy computes (the progress stream already drops a wait once a step was shown,
 * `throttleProgress`). A call that ends stops counting, so a failover after the computing call
 * failed is recorded as the job's new place.
 */
export class JobCopies {
  readonly #computing = new Set<string>();

  /** A call to `poolId` starts; whether it runs beside another that computes the job. */
  started(poolId: string): boolean {
    this.#computing.delete(poolId);
    return this.#computing.size > 0;
  }

  /** Notes a pool's event: a step means that pool computes the job. */
  observe(progress: BackendProgress, poolId: string): void {
    if (progress.kind === 'progress') this.#computing.add(poolId);
  }

  /** A call ended, whatever its outcome. */
  ended(poolId: string): void {
    this.#computing.delete(poolId);
  }
}
