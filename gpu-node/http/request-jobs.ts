import type { Job, JobImage, JobOutcome } from '../scheduler/job.ts';

type JobFailureOutcome = Extract<JobOutcome, { ok: false }>;

/** How a request's jobs ended: every image, in job order, or the first failure. */
export type RequestJobsOutcome =
  | { readonly ok: true; readonly images: readonly JobImage[] }
  | JobFailureOutcome;

/**
 * Waits for the jobs of one request (a KServe request's prompts) as one answer: every image once
 * all succeed, or the first failure as soon as one fails. When one fails, or the client goes away
 * (`signal`), the request's other unfinished jobs are cancelled, except those another caller
 * still waits on (an idempotent retry that joined them), as /v1/generate does for its job.
 */
export async function awaitRequestJobs(
  jobs: readonly Job[],
  signal: AbortSignal,
  cancel: (job: Job) => void,
): Promise<RequestJobsOutcome> {
  const releases = jobs.map((job) => job.watch());
  let released = false;
  const abandon = () => {
    if (released) return;
    released = true;
    jobs.forEach((job, index) => {
      if (releases[index]?.() === 0 && !job.finished) cancel(job);
    });
  };
  signal.addEventListener('abort', abandon, { once: true });
  if (signal.aborted) abandon();
  try {
    const firstFailure = new Promise<JobFailureOutcome>((resolve) => {
      for (const job of jobs) {
        void job.settled.then((outcome) => {
          if (!outcome.ok) resolve(outcome);
        });
      }
    });
    const settled = await Promise.race([Promise.all(jobs.map((job) => job.settled)), firstFailure]);
    const outcomes = Array.isArray(settled) ? settled : [settled];
    const failed = outcomes.find((outcome): outcome is JobFailureOutcome => !outcome.ok);
    return failed ?? { ok: true, images: outcomes.flatMap((outcome) => (outcome.ok ? outcome.images : [])) };
  } finally {
    signal.removeEventListener('abort', abandon);
    abandon();
  }
}
