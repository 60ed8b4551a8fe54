import { type ImagesAhead, type Priority, priorities } from '../../shared/index.ts';
import { FairLane } from './fair-lane.ts';
import type { Job } from './job.ts';
import { megapixelsOf, pixelsOf } from './pixel-steps.ts';

/** Lanes from the one served first. */
const servedFirst = [...priorities].reverse();

/**
 * Jobs waiting for batch slots, in service order: by priority (highest first, strictly), then
 * fairly between tenants within a priority ({@link FairLane}: start-time fair queueing over
 * megapixel-steps), then FIFO within a tenant. A job stays at the head of its lane until its last
 * image has a slot, so a multi-image job is not overtaken by later jobs of its priority.
 */
export class JobQueue {
  readonly #lanes = new Map<Priority, FairLane>(priorities.map((priority) => [priority, new FairLane()]));
  #queuedSamples = 0;
  // In pixel-steps, whole numbers: a running sum of megapixel-step fractions drifts.
  #queuedPixelSteps = 0;

  /** Images waiting, across all jobs. */
  get queuedSamples(): number {
    return this.#queuedSamples;
  }

  /** Megapixel-steps of the images waiting, across all jobs. */
  get queuedWork(): number {
    return megapixelsOf(this.#queuedPixelSteps);
  }

  /** Jobs waiting. */
  get length(): number {
    let total = 0;
    for (const lane of this.#lanes.values()) total += lane.length;
    return total;
  }

  /** Queues a job behind its tenant's earlier jobs of its priority. */
  push(job: Job): void {
    this.#lane(job.spec.priority).push(job);
    this.#count(job.queuedSamples, job);
  }

  /** The job whose next image should get the next slot, if any. */
  peek(): Job | undefined {
    for (const priority of servedFirst) {
      const head = this.#lane(priority).peek();
      if (head) return head;
    }
    return undefined;
  }

  /** Notes that the head job handed one image to the engine; dequeues it when none are left. */
  tookSample(job: Job): void {
    this.#count(-1, job);
    this.#lane(job.spec.priority).tookSample(job);
  }

  /** Removes a job wherever it is; its waiting images leave the count. */
  remove(job: Job): void {
    if (this.#lane(job.spec.priority).remove(job)) this.#count(-job.queuedSamples, job);
  }

  /**
   * Images that will get a slot before `job`'s first waiting image (0 = next): exact for the
   * jobs queued now. Later arrivals of higher priority, or of a tenant with less work here, can
   * still move it back; cancellations and deadlines ahead move it up.
   */
  positionOf(job: Job): number {
    let ahead = 0;
    for (const priority of servedFirst) {
      const lane = this.#lane(priority);
      if (priority === job.spec.priority) {
        const position = lane.positionOf(job);
        if (position !== null) return ahead + position;
      }
      for (const queued of lane.jobs()) ahead += queued.queuedSamples;
    }
    return ahead;
  }

  /** The images waiting before `job`'s, job by job in service order, with each job's steps. */
  *imagesAhead(job: Job): Generator<ImagesAhead> {
    for (const waiting of this.jobs()) {
      if (waiting === job) return;
      yield { images: waiting.queuedSamples, steps: waiting.spec.steps };
    }
  }

  /** Every waiting job, in service order. */
  *jobs(): Generator<Job> {
    for (const priority of servedFirst) yield* this.#lane(priority).jobs();
  }

  #count(samples: number, job: Job): void {
    this.#queuedSamples += samples;
    this.#queuedPixelSteps += samples * pixelsOf(job.imageWork);
  }

  #lane(priority: Priority): FairLane {
    const lane = this.#lanes.get(priority);
    if (!lane) throw new Error(`unknown priority ${priority}`);
    return lane;
  }
}
