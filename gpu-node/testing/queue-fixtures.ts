import type { Priority } from '../../shared/index.ts';
import { Job, type JobOwner, type JobSpec } from '../scheduler/job.ts';
import type { JobQueue } from '../scheduler/job-queue.ts';
import { testJobSpec } from './test-job-spec.ts';

let serial = 0;

/** A queued job with the next serial (arrival order). */
export function makeJob(jobId: string, priority: Priority, count = 1, spec: Partial<JobSpec> = {}): Job {
  serial += 1;
  return new Job(testJobSpec({ jobId, priority, count, ...spec }), serial, 0);
}

/** A one-image normal job of `owner`, `side`×`side` pixels in four steps. */
export function tenantJob(jobId: string, owner: JobOwner, side = 64, count = 1): Job {
  return makeJob(jobId, 'normal', count, { owner, width: side, height: side });
}

/** Hands the head job's next image a slot, the way the scheduler's pump does. */
export function takeOne(queue: JobQueue): Job | undefined {
  const job = queue.peek();
  if (!job) return undefined;
  job.nextQueuedSample += 1;
  queue.tookSample(job);
  return job;
}

/** Job ids in the order their images get slots, one entry per image. */
export function drain(queue: JobQueue): string[] {
  const served: string[] = [];
  for (let job = takeOne(queue); job; job = takeOne(queue)) served.push(job.spec.jobId);
  return served;
}

/** The ids of `jobs`, in order. */
export const ids = (jobs: Iterable<Job>) => [...jobs].map((job) => job.spec.jobId);

/** Job ids in the order `jobs()` says their images will get slots, one entry per image. */
export function drainOrderOf(queue: JobQueue): string[] {
  return [...queue.jobs()].flatMap((job) => Array<string>(job.queuedSamples).fill(job.spec.jobId));
}
