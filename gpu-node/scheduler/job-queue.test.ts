import { describe, expect, it } from 'vitest';
import type { Priority } from '../../shared/index.ts';
import { testJobSpec } from '../testing/test-job-spec.ts';
import { Job } from './job.ts';
import { JobQueue } from './job-queue.ts';

let serial = 0;

function makeJob(jobId: string, priority: Priority, count = 1): Job {
  serial += 1;
  return new Job(testJobSpec({ jobId, priority, count }), serial, 0);
}

/** Hands the head job's next image a slot, the way the scheduler's pump does. */
function takeOne(queue: JobQueue): Job | undefined {
  const job = queue.peek();
  if (!job) return undefined;
  job.nextQueuedSample += 1;
  queue.tookSample(job);
  return job;
}

function drain(queue: JobQueue): string[] {
  const served: string[] = [];
  for (let job = takeOne(queue); job; job = takeOne(queue)) served.push(job.spec.jobId);
  return served;
}

describe('JobQueue', () => {
  it('job queue: serves high priority before normal before low, FIFO within a priority', () => {
    const queue = new JobQueue();
    queue.push(makeJob('low-1', 'low'));
    queue.push(makeJob('normal-1', 'normal'));
    queue.push(makeJob('high-1', 'high'));
    queue.push(makeJob('low-2', 'low'));
    queue.push(makeJob('normal-2', 'normal'));
    queue.push(makeJob('high-2', 'high'));

    expect([...queue.jobs()].map((job) => job.spec.jobId)).toEqual([
      'high-1',
      'high-2',
      'normal-1',
      'normal-2',
      'low-1',
      'low-2',
    ]);
    expect(drain(queue)).toEqual(['high-1', 'high-2', 'normal-1', 'normal-2', 'low-1', 'low-2']);
    expect(queue.length).toBe(0);
    expect(queue.queuedSamples).toBe(0);
    expect(queue.peek()).toBeUndefined();
  });

  it('job queue: a later high-priority job overtakes waiting normal jobs', () => {
    const queue = new JobQueue();
    const normal = makeJob('normal', 'normal');
    queue.push(normal);
    expect(queue.peek()).toBe(normal);
    const high = makeJob('high', 'high');
    queue.push(high);
    expect(queue.peek()).toBe(high);
  });

  it('job queue: positionOf counts the images of every job ahead, not the jobs', () => {
    const queue = new JobQueue();
    const normalFour = makeJob('normal-four', 'normal', 4);
    const normalOne = makeJob('normal-one', 'normal', 1);
    const highThree = makeJob('high-three', 'high', 3);
    const low = makeJob('low', 'low', 2);
    queue.push(normalFour);
    queue.push(normalOne);
    queue.push(low);
    queue.push(highThree);

    expect(queue.positionOf(highThree)).toBe(0);
    expect(queue.positionOf(normalFour)).toBe(3);
    expect(queue.positionOf(normalOne)).toBe(7);
    expect(queue.positionOf(low)).toBe(8);
    expect(queue.queuedSamples).toBe(10);
    expect(queue.length).toBe(4);

    // Once the head job has two of its images in slots, only its last one is ahead of the rest.
    takeOne(queue);
    takeOne(queue);
    expect(queue.positionOf(normalFour)).toBe(1);
    expect(queue.positionOf(low)).toBe(6);
  });

  it('job queue: a multi-image job stays at the head until its last image has a slot', () => {
    const queue = new JobQueue();
    const first = makeJob('first', 'normal', 3);
    const second = makeJob('second', 'normal', 1);
    queue.push(first);
    queue.push(second);

    expect(takeOne(queue)).toBe(first);
    expect(queue.peek()).toBe(first);
    expect(queue.length).toBe(2);
    expect(queue.queuedSamples).toBe(3);

    expect(takeOne(queue)).toBe(first);
    expect(queue.peek()).toBe(first);
    expect(queue.queuedSamples).toBe(2);

    expect(takeOne(queue)).toBe(first);
    expect(queue.length).toBe(1);
    expect(queue.peek()).toBe(second);
    expect(queue.queuedSamples).toBe(1);
  });

  it('job queue: remove drops only the waiting images of the removed job from queuedSamples', () => {
    const queue = new JobQueue();
    const partlyStarted = makeJob('partly-started', 'normal', 3);
    const waiting = makeJob('waiting', 'normal', 2);
    const high = makeJob('high', 'high', 1);
    queue.push(partlyStarted);
    queue.push(waiting);
    expect(queue.queuedSamples).toBe(5);

    takeOne(queue);
    expect(queue.queuedSamples).toBe(4);

    queue.remove(partlyStarted);
    expect(queue.queuedSamples).toBe(2);
    expect(queue.length).toBe(1);
    expect(queue.peek()).toBe(waiting);
    expect(queue.positionOf(waiting)).toBe(0);

    queue.push(high);
    queue.remove(waiting);
    expect([...queue.jobs()]).toEqual([high]);
    expect(queue.queuedSamples).toBe(1);
  });

  it('job queue: removing a job that is not queued changes nothing', () => {
    const queue = new JobQueue();
    const queued = makeJob('queued', 'normal', 2);
    const stranger = makeJob('stranger', 'normal', 5);
    queue.push(queued);

    queue.remove(stranger);
    expect(queue.queuedSamples).toBe(2);
    expect(queue.length).toBe(1);

    queue.remove(queued);
    queue.remove(queued);
    expect(queue.queuedSamples).toBe(0);
    expect(queue.length).toBe(0);
  });
});
