import { type Priority, priorities } from '../../shared/index.ts';
import type { Job } from './job.ts';

/**
 * Jobs waiting for batch slots: one FIFO per priority, highest first. A job stays at the head
 * until its last image has a slot, so a multi-image job is not overtaken by later jobs.
 */
export class JobQueue {
  readonly #lanes = new Map<Priority, Job[]>(priorities.map((priority) => [priority, []]));
  #queuedSamples = 0;
  #queuedWork = 0;

  /** Images waiting, across all jobs. */
  get queuedSamples(): number {
    return this.#queuedSamples;
  }

  /** Megapixel-steps of the images waiting, across all jobs. */
  get queuedWork(): number {
    return Math.max(0, this.#queuedWork);
  }

  /** Jobs waiting. */
  get length(): number {
    let total = 0;
    for (const lane of this.#lanes.values()) total += lane.length;
    return total;
  }

  /** Appends a job behind others of its priority. */
  push(job: Job): void {
    this.#lane(job.spec.priority).push(job);
    this.#count(job.queuedSamples, job);
  }

  /** The job whose next image should get the next slot, if any. */
  peek(): Job | undefined {
    for (const priority of [...priorities].reverse()) {
      const head = this.#lane(priority)[0];
      if (head) return head;
    }
    return undefined;
  }

  /** Notes that the head job handed one image to the engine; dequeues it when none are left. */
  tookSample(job: Job): void {
    this.#count(-1, job);
    if (job.queuedSamples === 0) this.remove(job, false);
  }

  /** Removes a job wherever it is; its waiting images leave the count. */
  remove(job: Job, countSamples = true): void {
    const lane = this.#lane(job.spec.priority);
    const index = lane.indexOf(job);
    if (index < 0) return;
    lane.splice(index, 1);
    if (countSamples) this.#count(-job.queuedSamples, job);
  }

  /** Images that will get a slot before `job`'s first waiting image (0 = next). */
  positionOf(job: Job): number {
    let ahead = 0;
    for (const priority of [...priorities].reverse()) {
      for (const queued of this.#lane(priority)) {
        if (queued === job) return ahead;
        ahead += queued.queuedSamples;
      }
    }
    return ahead;
  }

  /** Every waiting job, in service order. */
  *jobs(): Generator<Job> {
    for (const priority of [...priorities].reverse()) yield* this.#lane(priority);
  }

  #count(samples: number, job: Job): void {
    this.#queuedSamples += samples;
    // Sums of fractions drift by rounding; an empty queue holds exactly no work.
    this.#queuedWork = this.#queuedSamples === 0 ? 0 : this.#queuedWork + samples * job.imageWork;
  }

  #lane(priority: Priority): Job[] {
    const lane = this.#lanes.get(priority);
    if (!lane) throw new Error(`unknown priority ${priority}`);
    return lane;
  }
}
