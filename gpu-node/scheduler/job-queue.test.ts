import { describe, expect, it } from 'vitest';
import { drain, drainOrderOf, ids, makeJob, takeOne, tenantJob } from '../testing/queue-fixtures.ts';
import type { Job } from './job.ts';
import { JobQueue } from './job-queue.ts';

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

describe('JobQueue fairness between tenants', () => {
  it("job queue: one tenant's job queued behind another tenant's hundred gets the next slot, not the 101st", () => {
    const queue = new JobQueue();
    const burst = Array.from({ length: 100 }, (_, index) => tenantJob(`a-${index}`, 'tenant-a'));
    for (const job of burst) queue.push(job);
    const late = tenantJob('b-0', 'tenant-b');
    queue.push(late);

    expect(queue.positionOf(late)).toBe(1);
    expect(ids(queue.jobs()).slice(0, 3)).toEqual(['a-0', 'b-0', 'a-1']);
    expect(queue.positionOf(burst[99] as Job)).toBe(100);
    expect(drain(queue).slice(0, 3)).toEqual(['a-0', 'b-0', 'a-1']);
  });

  it('job queue: a job arriving while a burst is being served waits for the job in service only', () => {
    const queue = new JobQueue();
    for (let index = 0; index < 10; index++) queue.push(tenantJob(`a-${index}`, 'tenant-a', 64, 2));
    takeOne(queue);
    takeOne(queue);
    takeOne(queue);
    // a-0 has left, a-1 holds one slot and waits for one more.
    const late = tenantJob('b-0', 'tenant-b');
    queue.push(late);
    expect(ids(queue.jobs()).slice(0, 3)).toEqual(['a-1', 'b-0', 'a-2']);
    expect(queue.positionOf(late)).toBe(1);
    expect(drain(queue).slice(0, 4)).toEqual(['a-1', 'b-0', 'a-2', 'a-2']);
  });

  it('job queue: tenants share by megapixel-steps, so four small images go for each one four times their size', () => {
    const queue = new JobQueue();
    for (let index = 0; index < 3; index++) queue.push(tenantJob(`big-${index}`, 'tenant-a', 128));
    for (let index = 0; index < 10; index++) queue.push(tenantJob(`small-${index}`, 'tenant-b', 64));
    expect(ids(queue.jobs())).toEqual([
      'big-0',
      'small-0',
      'small-1',
      'small-2',
      'small-3',
      'big-1',
      'small-4',
      'small-5',
      'small-6',
      'small-7',
      'big-2',
      'small-8',
      'small-9',
    ]);
    const expected = drainOrderOf(queue);
    expect(drain(queue)).toEqual(expected);
  });

  it("job queue: a multi-image job in service is not overtaken by another tenant's later job", () => {
    const queue = new JobQueue();
    const multi = tenantJob('a-multi', 'tenant-a', 64, 3);
    queue.push(multi);
    expect(takeOne(queue)).toBe(multi);
    queue.push(tenantJob('b-0', 'tenant-b'));
    queue.push(tenantJob('c-0', 'tenant-c'));
    expect(queue.peek()).toBe(multi);
    expect(drain(queue)).toEqual(['a-multi', 'a-multi', 'b-0', 'c-0']);
  });

  it('job queue: a tenant whose queued jobs are removed is not charged for them; its later jobs move up', () => {
    const queue = new JobQueue();
    const a = Array.from({ length: 5 }, (_, index) => tenantJob(`a-${index}`, 'tenant-a'));
    for (const job of a) queue.push(job);
    for (let index = 0; index < 3; index++) queue.push(tenantJob(`b-${index}`, 'tenant-b'));
    for (const job of a.slice(1, 4)) queue.remove(job);
    expect(ids(queue.jobs())).toEqual(['a-0', 'b-0', 'a-4', 'b-1', 'b-2']);
    expect(queue.queuedSamples).toBe(5);
    expect(drain(queue)).toEqual(['a-0', 'b-0', 'a-4', 'b-1', 'b-2']);
  });

  it('job queue: a removed job in service gives back only the work of its images that got no slot', () => {
    const queue = new JobQueue();
    const multi = tenantJob('a-multi', 'tenant-a', 64, 4);
    queue.push(multi);
    queue.push(tenantJob('a-next', 'tenant-a'));
    for (let index = 0; index < 4; index++) queue.push(tenantJob(`b-${index}`, 'tenant-b'));
    takeOne(queue);
    queue.remove(multi);
    // a-multi is charged one image, so a-next starts where b-1 does, and was queued before it.
    expect(ids(queue.jobs())).toEqual(['b-0', 'a-next', 'b-1', 'b-2', 'b-3']);
  });

  it('job queue: work a tenant has in slots counts against it while others still wait', () => {
    const queue = new JobQueue();
    queue.push(tenantJob('a-0', 'tenant-a'));
    for (let index = 0; index < 3; index++) queue.push(tenantJob(`b-${index}`, 'tenant-b'));
    expect(takeOne(queue)?.spec.jobId).toBe('a-0');
    queue.push(tenantJob('a-1', 'tenant-a'));
    expect(ids(queue.jobs())).toEqual(['b-0', 'b-1', 'a-1', 'b-2']);
  });

  it('job queue: priority stays strict across tenants; fairness applies within a priority', () => {
    const queue = new JobQueue();
    for (let index = 0; index < 3; index++) queue.push(tenantJob(`a-${index}`, 'tenant-a'));
    queue.push(makeJob('b-low', 'low', 1, { owner: 'tenant-b' }));
    queue.push(makeJob('b-high', 'high', 1, { owner: 'tenant-b' }));
    const b = tenantJob('b-0', 'tenant-b');
    queue.push(b);
    expect(ids(queue.jobs())).toEqual(['b-high', 'a-0', 'b-0', 'a-1', 'a-2', 'b-low']);
    expect(queue.positionOf(b)).toBe(2);
  });

  it('job queue: jobs without an owner (a pool without auth) are one tenant, served FIFO', () => {
    const queue = new JobQueue();
    for (let index = 0; index < 4; index++)
      queue.push(tenantJob(`anon-${index}`, null, index % 2 ? 256 : 64));
    expect(drain(queue)).toEqual(['anon-0', 'anon-1', 'anon-2', 'anon-3']);
  });
});

/** Ids of the jobs left in `queue`, one entry per waiting image, in the order it lists them. */
