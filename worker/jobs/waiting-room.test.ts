import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import type { NewJob } from './job-record.ts';
import {
  FAIR_TURN_SPACING_MS,
  fairTurnDelayMs,
  MAX_FAIR_TURN_DELAY_MS,
  waitingRoomFor,
} from './waiting-room-stub.ts';

const tenant: RoutingTenant = { id: 'acme', tier: 'paid', allowed_providers: [], allowed_regions: [] };
const pool = { poolId: 'pool-a', providerId: 'provider-a', url: 'http://127.0.0.1:1', protocol: 'gpu-node' };

/** A room of its own per test: storage is shared by every test in this file. */
const freshRoom = () => waitingRoomFor(env, `room-test-${crypto.randomUUID()}`);

describe('waiting room', () => {
  it('waiting room: jobs are ranked in submission order, and leaving moves the rest up', async () => {
    const room = freshRoom();
    const until = Date.now() + 60_000;
    await room.enter('job-c', 300, until);
    await room.enter('job-a', 100, until);
    await room.enter('job-b', 200, until);
    expect(
      await Promise.all(['job-a', 'job-b', 'job-c'].map((id) => room.positionOf(id, Date.now()))),
    ).toEqual([0, 1, 2]);
    await room.leave('job-a');
    expect(await room.positionOf('job-c', Date.now())).toBe(1);
    expect(await room.positionOf('job-a', Date.now())).toBeNull();
  });

  it('waiting room: re-entering keeps a job its place; an entry past its deadline no longer counts', async () => {
    const room = freshRoom();
    const now = Date.now();
    await room.enter('job-old', 100, now + 1_000);
    await room.enter('job-new', 200, now + 60_000);
    await room.enter('job-old', 999, now + 2_000);
    expect(await room.positionOf('job-new', now)).toBe(1);
    expect(await room.positionOf('job-new', now + 2_001)).toBe(0);
    expect(await room.positionOf('job-old', now + 2_001)).toBeNull();
  });
});

describe('waiting room: the job object keeps it', () => {
  function newJob(model: string): NewJob {
    // Not a valid edge job id (the dot): the test runtime's own consumer drops its messages.
    return {
      id: `job_test.${crypto.randomUUID()}`,
      tenant,
      fingerprint: 'fp-1',
      request: { prompt: 'a fox', n: 1, response_format: 'b64_json', priority: 'normal', model, seed: 7 },
      webhook: null,
      origin: 'http://edge.test',
      deadlineAt: Date.now() + 60_000,
    };
  }

  it('waiting room: a job released for capacity waits there in submission order until it reaches a pool', async () => {
    const model = `model-${crypto.randomUUID()}`;
    const room = waitingRoomFor(env, model);
    const first = newJob(model);
    const second = newJob(model);
    const jobs = [first, second].map((input) => ({ input, job: env.JOBS.getByName(input.id) }));
    for (const { input, job } of jobs) {
      expect((await job.create(input)).kind).toBe('created');
      const claim = await job.claim();
      if (!claim) throw new Error('no claim');
      expect(await job.release(claim.serial, 5_000)).toBeGreaterThanOrEqual(5_000);
    }
    expect(await room.positionOf(first.id, Date.now())).toBe(0);
    expect(await room.positionOf(second.id, Date.now())).toBe(1);
    const [head] = jobs;
    if (!head) throw new Error('no job');
    const claim = await head.job.claim();
    if (!claim) throw new Error('no second claim');
    await head.job.started(claim.serial, pool);
    expect(await room.positionOf(first.id, Date.now())).toBeNull();
    expect(await room.positionOf(second.id, Date.now())).toBe(0);
    await jobs[1]?.job.cancel({ tenantId: 'acme', owner: null });
    expect(await room.positionOf(second.id, Date.now())).toBeNull();
  });
});

describe('waiting room: fairness between tenants', () => {
  it('waiting room: one tenant’s burst does not push another tenant’s job to the back; turns alternate', async () => {
    const room = freshRoom();
    const until = Date.now() + 60_000;
    for (let index = 0; index < 20; index += 1)
      await room.enter(`burst-${String(index).padStart(2, '0')}`, 100 + index, until, 'bursty');
    await room.enter('late-1', 500, until, 'quiet');
    await room.enter('late-2', 600, until, 'quiet');
    await room.enter('other-1', 700, until, 'third');
    // Turn 1: bursty's first, quiet's first, third's first; turn 2: bursty's second, quiet's second, …
    expect(await room.positionOf('burst-00', Date.now())).toBe(0);
    expect(await room.positionOf('late-1', Date.now())).toBe(1);
    expect(await room.positionOf('other-1', Date.now())).toBe(2);
    expect(await room.positionOf('burst-01', Date.now())).toBe(3);
    expect(await room.positionOf('late-2', Date.now())).toBe(4);
    expect(await room.positionOf('burst-19', Date.now())).toBe(22);
    // Turns are counted over who is waiting now: with burst-00 gone, burst-01 is bursty's first,
    // earlier than late-1 within the first turn.
    await room.leave('burst-00');
    expect(await room.positionOf('burst-01', Date.now())).toBe(0);
    expect(await room.positionOf('late-1', Date.now())).toBe(1);
    expect(await room.positionOf('late-2', Date.now())).toBe(4);
  });

  it('waiting room: a job further back is retried later, in proportion to the turns ahead (bounded)', () => {
    expect([0, 1, 4].map(fairTurnDelayMs)).toEqual([0, FAIR_TURN_SPACING_MS, 4 * FAIR_TURN_SPACING_MS]);
    expect(fairTurnDelayMs(1_000_000)).toBe(MAX_FAIR_TURN_DELAY_MS);
  });
});
