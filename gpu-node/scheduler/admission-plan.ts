import type { Job, JobSpec } from './job.ts';
import type { SubmitRejection } from './scheduler-types.ts';

/** What the scheduler holds that decides whether a group of jobs may enter. */
export interface AdmissionState {
  /** The kept job with this id (any owner, any state), if any. */
  readonly find: (jobId: string) => Job | undefined;
  readonly draining: boolean;
  /** Images that may still be admitted: free slots plus the queue's room. */
  readonly room: number;
  /** The `Retry-After` of a `queue_full` refusal, asked only for one. */
  readonly retryAfterSeconds: () => number;
}

/** One job of an accepted group: joins a kept job (`joins`), or is new (`joins` undefined). */
export interface PlannedJob {
  readonly spec: JobSpec;
  readonly joins: Job | undefined;
}

/** Whether and how a group of jobs enters: all of it, or none of it (nothing joined or admitted). */
export type AdmissionPlan =
  | { readonly ok: true; readonly jobs: readonly PlannedJob[] }
  | ({ readonly ok: false } & SubmitRejection);

/**
 * Decides for a group of jobs at once (a KServe request's prompts; a single /v1 job is a group
 * of one) before any of it joins or is admitted, so a refusal leaves every other job as it was.
 * Each spec is checked in order, as `Scheduler.submit` checks one: another owner's id is
 * `foreign_job_id`; an id whose job runs or succeeded is joined with the same body and a
 * `job_id_conflict` with another (as is an id twice in the group); a failed or canceled one is
 * replaced. Only then, and only if some job is new: draining, and room for all new images.
 */
export function planAdmission(specs: readonly JobSpec[], state: AdmissionState): AdmissionPlan {
  const jobs: PlannedJob[] = [];
  const seen = new Set<string>();
  let newImages = 0;
  for (const spec of specs) {
    if (seen.has(spec.jobId)) return { ok: false, reason: 'job_id_conflict' };
    seen.add(spec.jobId);
    const existing = state.find(spec.jobId);
    // Checked before state or body, so the answer tells another owner nothing about the job.
    if (existing && existing.spec.owner !== spec.owner) return { ok: false, reason: 'foreign_job_id' };
    if (existing && (!existing.finished || existing.state === 'succeeded')) {
      if (existing.spec.fingerprint !== spec.fingerprint) return { ok: false, reason: 'job_id_conflict' };
      jobs.push({ spec, joins: existing });
      continue;
    }
    jobs.push({ spec, joins: undefined });
    newImages += spec.count;
  }
  if (jobs.every((job) => job.joins)) return { ok: true, jobs };
  if (state.draining) return { ok: false, reason: 'draining' };
  if (newImages > state.room) {
    return { ok: false, reason: 'queue_full', retryAfterSeconds: state.retryAfterSeconds() };
  }
  return { ok: true, jobs };
}
