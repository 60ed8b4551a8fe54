import type { Job } from './job.ts';

/** How long and how many finished jobs are kept. */
export interface KeptJobsOptions {
  readonly resultTtlMs: number;
  readonly maxKeptJobs: number;
  readonly now: () => number;
}

/**
 * Jobs by id. Finished ones stay for idempotent retries, for `resultTtlMs` and at most
 * `maxKeptJobs` of them, so memory stays flat under load. Expiry is checked when jobs are
 * looked up or added, so no timer runs.
 */
export class KeptJobs {
  readonly #options: KeptJobsOptions;
  readonly #jobs = new Map<string, Job>();

  constructor(options: KeptJobsOptions) {
    this.#options = options;
  }

  /** The job with this id, unless it finished longer than the TTL ago. */
  get(jobId: string): Job | undefined {
    const job = this.#jobs.get(jobId);
    if (!job || !this.#expired(job)) return job;
    this.#jobs.delete(jobId);
    return undefined;
  }

  /** Keeps `job` under its id, replacing an earlier attempt, and evicts what is past its time. */
  add(job: Job): void {
    this.#jobs.set(job.spec.jobId, job);
    for (const [jobId, kept] of this.#jobs) if (this.#expired(kept)) this.#jobs.delete(jobId);
  }

  /** Evicts the oldest finished jobs while more than `maxKeptJobs` are kept. */
  evictOverflow(): void {
    for (const [jobId, job] of this.#jobs) {
      if (this.#jobs.size <= this.#options.maxKeptJobs) return;
      if (job.finished) this.#jobs.delete(jobId);
    }
  }

  #expired(job: Job): boolean {
    return job.finishedAt !== null && job.finishedAt < this.#options.now() - this.#options.resultTtlMs;
  }
}
