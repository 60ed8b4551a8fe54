import type { BatchEngine } from './batch-engine.ts';
import type { Job } from './job.ts';

/** Hooks for metrics; every method is optional work for the observer, never for the scheduler. */
export interface SchedulerObserver {
  onStep(batchSize: number, durationMs: number): void;
  onJobSettled(job: Job): void;
  onChange(): void;
}

/** Scheduler settings. */
export interface SchedulerOptions {
  readonly engine: BatchEngine;
  readonly maxQueuedImages: number;
  readonly resultTtlMs: number;
  readonly maxKeptJobs: number;
  readonly now: () => number;
  readonly observer: SchedulerObserver;
}

/**
 * Why a job was not accepted. `job_id_conflict`: the owner used the id for another body;
 * `foreign_job_id`: another owner holds the id (in any state). The two differ for logs only.
 */
export type SubmitRejection =
  | { readonly reason: 'queue_full'; readonly retryAfterSeconds: number }
  | { readonly reason: 'draining' }
  | { readonly reason: 'job_id_conflict' }
  | { readonly reason: 'foreign_job_id' };

/** A job a submission got: a new one, or a kept one it joined (same id, owner and body). */
export interface SubmittedJob {
  readonly job: Job;
  readonly joined: boolean;
}

/** The result of `Scheduler.submit`. */
export type SubmitResult =
  | ({ readonly ok: true } & SubmittedJob)
  | ({ readonly ok: false } & SubmitRejection);

/** The result of `Scheduler.submitAll`: every job, in the order of the specs, or one refusal for all. */
export type SubmitAllResult =
  | { readonly ok: true; readonly jobs: readonly SubmittedJob[] }
  | ({ readonly ok: false } & SubmitRejection);

/** Load figures for telemetry and response headers. */
export interface SchedulerLoad {
  readonly slots: number;
  readonly running: number;
  readonly queued: number;
  readonly maxQueue: number;
  readonly ewmaStepMs: number | null;
  readonly ewmaJobMs: number | null;
  /** Median of recent job times, ms; null before the first. */
  readonly medianJobMs: number | null;
  readonly imagesPerSecond: number;
  readonly draining: boolean;
  /** Megapixel-steps of the images waiting for a slot. */
  readonly queuedWork: number;
  /** Megapixel-steps left in the running batch. */
  readonly runningWork: number;
  /** Megapixel-steps done per second lately; null before the first step. */
  readonly workPerSecond: number | null;
  /** Moving average of an image's decode and encode after its last step, ms; null before the first. */
  readonly finishMs: number | null;
  /** The same per megapixel of the image, ms; null before the first. */
  readonly finishMsPerMegapixel: number | null;
}
