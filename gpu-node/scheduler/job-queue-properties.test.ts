import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Priority, priorities } from '../../shared/index.ts';
import { drain, drainOrderOf, ids, makeJob, takeOne, tenantJob } from '../testing/queue-fixtures.ts';
import type { Job, JobOwner } from './job.ts';
import { JobQueue } from './job-queue.ts';

const owners: readonly JobOwner[] = ['tenant-a', 'tenant-b', 'tenant-c', null];

/** A job a property pushes: its tenant, priority and size of work. */
const jobShape = fc.record({
  owner: fc.constantFrom(...owners),
  priority: fc.constantFrom(...priorities),
  count: fc.integer({ min: 1, max: 4 }),
  side: fc.constantFrom(64, 128, 192, 256),
  steps: fc.integer({ min: 1, max: 8 }),
});
type JobShape = typeof jobShape extends fc.Arbitrary<infer T> ? T : never;

const operation = fc.oneof(
  { weight: 4, arbitrary: jobShape.map((shape) => ({ kind: 'push' as const, shape })) },
  { weight: 4, arbitrary: fc.constant({ kind: 'take' as const }) },
  { weight: 1, arbitrary: fc.nat().map((pick) => ({ kind: 'remove' as const, pick })) },
);

function shapedJob(jobId: string, shape: JobShape): Job {
  const { owner, priority, count, side, steps } = shape;
  return makeJob(jobId, priority, count, { owner, steps, width: side, height: side });
}

const rank = (job: Job) => priorities.indexOf(job.spec.priority);
const workOf = (job: Job) => job.spec.count * job.imageWork;

describe('JobQueue properties', () => {
  it('job queue: every job leaves once; priority is strict; FIFO per priority and tenant; a started job keeps its lane; counts and positions match the service order', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 80 }), (operations) => {
        const queue = new JobQueue();
        const pushed: Job[] = [];
        const left = new Set<Job>();
        const inService = new Map<Priority, Job>();
        const waiting = () => pushed.filter((job) => !left.has(job));

        for (const [index, step] of operations.entries()) {
          if (step.kind === 'push') {
            const job = shapedJob(`job-${index}`, step.shape);
            pushed.push(job);
            queue.push(job);
          } else if (step.kind === 'remove') {
            const queued = [...queue.jobs()];
            const job = queued[step.pick % Math.max(1, queued.length)];
            if (!job) continue;
            queue.remove(job);
            left.add(job);
            if (inService.get(job.spec.priority) === job) inService.delete(job.spec.priority);
          } else {
            const highest = Math.max(-1, ...waiting().map(rank));
            const job = takeOne(queue);
            if (highest < 0) {
              expect(job).toBeUndefined();
              continue;
            }
            if (!job) throw new Error('a job waits but none was served');
            expect(rank(job)).toBe(highest);
            const started = inService.get(job.spec.priority);
            if (started) expect(job).toBe(started);
            if (job.nextQueuedSample === 1) {
              const earlier = waiting().filter(
                (other) =>
                  other.spec.priority === job.spec.priority &&
                  other.spec.owner === job.spec.owner &&
                  other.serial < job.serial,
              );
              expect(earlier).toEqual([]);
            }
            if (job.queuedSamples > 0) inService.set(job.spec.priority, job);
            else {
              inService.delete(job.spec.priority);
              left.add(job);
            }
          }

          const listed = [...queue.jobs()];
          expect(new Set(listed)).toEqual(new Set(waiting()));
          expect(listed).toHaveLength(waiting().length);
          expect(queue.length).toBe(listed.length);
          expect(queue.peek()).toBe(listed[0]);
          expect(listed.map(rank)).toEqual([...listed.map(rank)].sort((a, b) => b - a));
          const samples = listed.reduce((sum, job) => sum + job.queuedSamples, 0);
          const work = listed.reduce((sum, job) => sum + job.queuedSamples * job.imageWork, 0);
          expect(queue.queuedSamples).toBe(samples);
          expect(queue.queuedWork).toBeCloseTo(work, 9);
        }

        // Left alone, the queue serves exactly what it lists, and positions say where each starts.
        const listed = [...queue.jobs()];
        const positions = listed.map((job) => queue.positionOf(job));
        const expected = drainOrderOf(queue);
        const served = drain(queue);
        expect(served).toEqual(expected);
        expect(positions).toEqual(listed.map((job) => served.indexOf(job.spec.jobId)));
        for (const job of listed) left.add(job);
        expect(left.size).toBe(pushed.length);
        expect([queue.length, queue.queuedSamples, queue.queuedWork]).toEqual([0, 0, 0]);
      }),
      { numRuns: 300 },
    );
  });

  it('job queue: under bursts, two tenants with work waiting have started work within one job of each other', () => {
    const burst = fc.array(
      jobShape.map((shape) => ({ ...shape, priority: 'normal' as const })),
      {
        minLength: 1,
        maxLength: 40,
      },
    );
    fc.assert(
      fc.property(burst, fc.array(fc.nat(), { maxLength: 5 }), (shapes, removals) => {
        const queue = new JobQueue();
        const jobs = shapes.map((shape, index) => shapedJob(`job-${index}`, shape));
        for (const job of jobs) queue.push(job);
        for (const pick of removals) {
          const queued = [...queue.jobs()];
          const job = queued[pick % queued.length];
          if (job && queued.length > 1) queue.remove(job);
        }
        const largest = new Map<JobOwner, number>();
        for (const job of queue.jobs()) {
          largest.set(job.spec.owner, Math.max(largest.get(job.spec.owner) ?? 0, workOf(job)));
        }
        const started = new Map<JobOwner, number>();
        for (let job = queue.peek(); job; job = queue.peek()) {
          if (job.nextQueuedSample === 0) {
            const owner = job.spec.owner;
            started.set(owner, (started.get(owner) ?? 0) + workOf(job));
            const unstarted = new Set(
              [...queue.jobs()].filter((other) => other.nextQueuedSample === 0 && other !== job),
            );
            for (const other of new Set([...unstarted].map((waiter) => waiter.spec.owner))) {
              if (other === owner) continue;
              const lead = (started.get(owner) ?? 0) - (started.get(other) ?? 0);
              expect(lead).toBeLessThanOrEqual((largest.get(owner) ?? 0) + 1e-9);
            }
          }
          job.nextQueuedSample += 1;
          queue.tookSample(job);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("job queue: a new tenant's job has at most one job of each other tenant ahead of it in its priority", () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 60 }), jobShape, (operations, shape) => {
        const queue = new JobQueue();
        for (const [index, step] of operations.entries()) {
          if (step.kind === 'push') queue.push(shapedJob(`job-${index}`, step.shape));
          else if (step.kind === 'take') takeOne(queue);
          else {
            const queued = [...queue.jobs()];
            const job = queued[step.pick % Math.max(1, queued.length)];
            if (job) queue.remove(job);
          }
        }
        const newcomer = shapedJob('newcomer', { ...shape, owner: 'tenant-new' });
        queue.push(newcomer);
        const lane = [...queue.jobs()].filter((job) => job.spec.priority === newcomer.spec.priority);
        const ahead = lane.slice(0, lane.indexOf(newcomer));
        const tenantsAhead = ahead.map((job) => job.spec.owner);
        expect(new Set(tenantsAhead).size).toBe(tenantsAhead.length);
        const higher = [...queue.jobs()].filter((job) => rank(job) > rank(newcomer));
        expect(queue.positionOf(newcomer)).toBe(
          [...higher, ...ahead].reduce((sum, job) => sum + job.queuedSamples, 0),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('JobQueue memory of tenants', () => {
  it('job queue: a job that got a slot at once still counts against its tenant when others come to wait', () => {
    const queue = new JobQueue();
    queue.push(tenantJob('a-0', 'tenant-a'));
    takeOne(queue);
    expect(queue.length).toBe(0);
    queue.push(tenantJob('a-1', 'tenant-a'));
    queue.push(tenantJob('b-0', 'tenant-b'));
    expect(ids(queue.jobs())).toEqual(['b-0', 'a-1']);
  });

  it('job queue: an empty lane that remembers more than 1024 tenants forgets them all', () => {
    const queue = new JobQueue();
    for (let index = 0; index < 1025; index++) {
      queue.push(tenantJob(`t-${index}`, `tenant-${index}`));
      takeOne(queue);
    }
    // The 1025th tenant's job left a lane remembering 1025 tenants: every charge was dropped, so
    // a returning tenant and a new one are level, served in arrival order.
    queue.push(tenantJob('again', 'tenant-0'));
    queue.push(tenantJob('fresh', 'tenant-fresh'));
    expect(ids(queue.jobs())).toEqual(['again', 'fresh']);

    const remembering = new JobQueue();
    for (let index = 0; index < 1024; index++) {
      remembering.push(tenantJob(`t-${index}`, `tenant-${index}`));
      takeOne(remembering);
    }
    remembering.push(tenantJob('again', 'tenant-0'));
    remembering.push(tenantJob('fresh', 'tenant-fresh'));
    expect(ids(remembering.jobs())).toEqual(['fresh', 'again']);
  });
});
