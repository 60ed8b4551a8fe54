import type { Job, JobEvent } from '../scheduler/job.ts';

/** Every event `job` emits from now on, in order. */
export function recordEvents(job: Job): JobEvent[] {
  const events: JobEvent[] = [];
  job.subscribe((event) => events.push(event));
  return events;
}
