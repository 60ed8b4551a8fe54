import { MAX_IMAGES_AHEAD_ESTIMATED, stepsUntilSlot } from '../../shared/index.ts';
import type { Job } from './job.ts';

/**
 * Ms until `job`'s first waiting image gets a slot: the running images hold their slots for the
 * steps they have left, the images of the jobs waiting before it (`waiting`, in service order)
 * take the slots in order as they free, each for its job's steps (`stepsUntilSlot`), every step at
 * `stepMs`. Null when the job has nothing waiting or no step time is known yet.
 *
 * @example
 * startInMsOf(job, queue.jobs(), runningWork.stepsLeft(), engine.slots, 40); // 1_960
 */
export function startInMsOf(
  job: Job,
  waiting: Iterable<Job>,
  runningStepsLeft: readonly number[],
  slots: number,
  stepMs: number | null,
): number | null {
  if (job.queuedSamples === 0 || stepMs === null) return null;
  const stepsAhead: number[] = [];
  for (const ahead of waiting) {
    if (ahead === job || stepsAhead.length >= MAX_IMAGES_AHEAD_ESTIMATED) break;
    for (let sample = 0; sample < ahead.queuedSamples; sample++) stepsAhead.push(ahead.spec.steps);
  }
  return stepsUntilSlot(runningStepsLeft, stepsAhead, slots) * stepMs;
}
