import { describe, expect, it } from 'vitest';
import { makeJob, takeOne } from '../testing/queue-fixtures.ts';
import { JobQueue } from './job-queue.ts';
import { RunningWork } from './running-work.ts';

// Pixels of the built-in model's sizes: their megapixels (0.004096, …) are not exact in binary,
// so a running sum of them drifts (10.096639999999999 for 10.09664) unless kept in whole pixels.
const sides = [64, 128, 256, 512, 1024];
const pixels = (side: number) => side * side;

describe('work sums stay exact', () => {
  it('running work: every step leaves exactly the steps left × megapixels of the batch', () => {
    const work = new RunningWork();
    sides.forEach((side, index) => {
      work.start(`s${index}`, 30, pixels(side) / 1e6);
    });
    const batchPixels = sides.reduce((sum, side) => sum + pixels(side), 0);
    expect(work.total).toBe((30 * batchPixels) / 1e6);
    for (let step = 1; step <= 30; step += 1) {
      sides.forEach((_, index) => {
        work.progress(`s${index}`, step);
      });
      expect(work.total, `after step ${step}`).toBe(((30 - step) * batchPixels) / 1e6);
    }
  });

  it('running work: images leaving one by one leave exactly the work of the others', () => {
    const work = new RunningWork();
    sides.forEach((side, index) => {
      work.start(`s${index}`, 7 + index, pixels(side) / 1e6);
      work.progress(`s${index}`, 3);
    });
    let left = sides.reduce((sum, side, index) => sum + (4 + index) * pixels(side), 0);
    for (const [index, side] of sides.entries()) {
      expect(work.total).toBe(left / 1e6);
      work.end(`s${index}`);
      left -= (4 + index) * pixels(side);
    }
    expect(work.total).toBe(0);
  });

  it('queued work: each image taking a slot leaves exactly the work of the images still waiting', () => {
    const queue = new JobQueue();
    const jobs = sides.map((side, index) =>
      makeJob(`job-${side}`, 'normal', 3, { width: side, height: side, steps: 30 + index }),
    );
    for (const job of jobs) queue.push(job);
    let waiting = jobs.reduce(
      (sum, job) => sum + job.queuedSamples * job.spec.steps * job.spec.width * job.spec.height,
      0,
    );
    expect(queue.queuedWork).toBe(waiting / 1e6);
    for (let job = takeOne(queue); job; job = takeOne(queue)) {
      waiting -= job.spec.steps * job.spec.width * job.spec.height;
      expect(queue.queuedWork, `after a slot for ${job.spec.jobId}`).toBe(waiting / 1e6);
    }
    expect(queue.queuedWork).toBe(0);
  });
});
