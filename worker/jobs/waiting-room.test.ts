import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import type { NewJob } from './job-record.ts';
import { drainRatePerMs, noteDeparture, noteOccupied } from './waiting-room-drain.ts';
import { WAITING_TIER_RANK, waitingRoomFor } from './waiting-room-stub.ts';

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

  it('waiting room: tiers go first (enterprise, paid, free), tenants take turns within a tier', async () => {
    const room = freshRoom();
    const until = Date.now() + 60_000;
    for (let index = 0; index < 5; index += 1)
      await room.enter(`free-${index}`, 100 + index, until, 'free-a', WAITING_TIER_RANK.free);
    await room.enter('paid-1', 500, until, 'paid-a', WAITING_TIER_RANK.paid);
    await room.enter('paid-2', 600, until, 'paid-b', WAITING_TIER_RANK.paid);
    await room.enter('enterprise-1', 700, until, 'big', WAITING_TIER_RANK.enterprise);
    const order = ['enterprise-1', 'paid-1', 'paid-2', 'free-0', 'free-4'];
    expect(await Promise.all(order.map((id) => room.positionOf(id, Date.now())))).toEqual([0, 1, 2, 3, 7]);
  });
});

describe('waiting room: turns', () => {
  it('waiting room: next() hands out jobs in fair order, each once while its lease lasts', async () => {
    const room = freshRoom();
    const now = Date.now();
    const until = now + 60_000;
    await room.enter('bursty-1', 100, until, 'bursty', WAITING_TIER_RANK.free);
    await room.enter('bursty-2', 101, until, 'bursty', WAITING_TIER_RANK.free);
    await room.enter('quiet-1', 200, until, 'quiet', WAITING_TIER_RANK.free);
    await room.enter('paying-1', 300, until, 'paying', WAITING_TIER_RANK.paid);
    const handed = [];
    for (let turn = 0; turn < 5; turn += 1) handed.push(await room.next(now, 1_000));
    expect(handed).toEqual(['paying-1', 'bursty-1', 'quiet-1', 'bursty-2', null]);
    // A lease that lapsed (its consumer never reported back) comes round again, in order.
    expect(await room.next(now + 1_000, 1_000)).toBe('paying-1');
    // Handed out, the jobs still count: a position is the jobs ahead, whoever is dispatching them.
    expect(await room.positionOf('bursty-2', now)).toBe(3);
  });

  it('waiting room: a job unclaimed past due gets a new message only near the front and when no turn took it', async () => {
    const room = freshRoom();
    const now = Date.now();
    const until = now + 60_000;
    const entry = (jobId: string, since: number) => ({ jobId, since, until, tenantId: 'a', tierRank: 1 });
    for (let index = 0; index < 12; index += 1) await room.enter(`job-${index}`, 100 + index, until, 'a');
    // No turn has taken it (the runtime restarted and its in-memory messages are gone).
    expect(await room.needsTurn(entry('job-1', 101), now, 30_000)).toBe(true);
    // Deep in the room, it is only waiting: turns take the jobs ahead first.
    expect(await room.needsTurn(entry('job-11', 111), now, 30_000)).toBe(false);
    // Turns keep taking it (and handing it back, the fleet full): it waits for a pool, not a turn.
    expect(await room.next(now, 1_000)).toBe('job-0');
    expect(await room.needsTurn(entry('job-0', 100), now + 29_999, 30_000)).toBe(false);
    expect(await room.needsTurn(entry('job-0', 100), now + 30_000, 30_000)).toBe(true);
    // Lost from the room (an entry that expired early, a failed write): back at its place, and a message.
    expect(await room.needsTurn(entry('job-lost', 99), now, 30_000)).toBe(true);
    expect(await room.positionOf('job-lost', now)).toBe(0);
  });

  it('waiting room: a job released to wait its retry delay is passed over until then', async () => {
    const room = freshRoom();
    const now = Date.now();
    const until = now + 60_000;
    await room.enter('first', 100, until, 'a');
    await room.enter('second', 200, until, 'a');
    // `first` found no pool: back at its place, not to be tried again for 5 s.
    await room.enter('first', 100, until, 'a', 1, now + 5_000);
    expect(await room.positionOf('first', now)).toBe(0);
    expect(await room.next(now, 30_000)).toBe('second');
    expect(await room.next(now, 30_000)).toBeNull();
    expect(await room.next(now + 5_000, 30_000)).toBe('first');
  });

  it('waiting room: the estimated start is the jobs ahead over the measured drain rate (started jobs only)', async () => {
    const room = freshRoom();
    const until = Date.now() + 60_000;
    for (let index = 0; index < 12; index += 1) await room.enter(`job-${index}`, 100 + index, until);
    // Jobs that ended without reaching a pool (canceled) say nothing of the drain.
    for (const id of ['job-0', 'job-1', 'job-2']) await room.leave(id);
    await room.leave('job-3', true);
    expect((await room.placeOf('job-11', Date.now()))?.estimatedStartAt).toBeNull();
    for (const id of ['job-4', 'job-5', 'job-6']) await room.leave(id, true);
    const now = Date.now();
    const place = await room.placeOf('job-11', now);
    expect(place?.position).toBe(4);
    // Four started within a second or two: at most 4 a second, so five turns take at least 1.25 s.
    expect(place?.estimatedStartAt).toBeGreaterThanOrEqual(now + 1_250);
    expect(place?.estimatedStartAt).toBeLessThan(now + 60_000);
  });
});

describe('waiting room: drain rate', () => {
  it('drain: one job that left before a quiet spell does not stretch a burst’s rate over it', async () => {
    const room = freshRoom();
    await room.positionOf('nobody', Date.now()); // creates the object and its tables
    await runInDurableObject(room, (_instance, state) => {
      const sql = state.storage.sql;
      const now = 1_000_000_000_000;
      // One stray job 50 s ago, then a burst draining 8 a second for the last 4 s.
      noteDeparture(sql, now - 50_000);
      for (let second = 4; second >= 1; second -= 1) {
        for (let job = 0; job < 8; job += 1) noteDeparture(sql, now - second * 1_000);
      }
      const rate = drainRatePerMs(sql, now) ?? 0;
      // 32 jobs over the last 4 s: about 8 a second, not 33 over 50 s (0.66 a second).
      expect(rate * 1_000).toBeGreaterThan(6);
      expect(rate * 1_000).toBeLessThanOrEqual(8);
      // With too few recent departures, the whole minute speaks (the stray now out of it).
      expect(drainRatePerMs(sql, now + 20_000)).toBeCloseTo(32 / 24_000, 6);
    });
  });

  it('drain: only the seconds the room held jobs count, so a fleet with room to spare drains fast', async () => {
    const room = freshRoom();
    await room.positionOf('nobody', Date.now());
    await runInDurableObject(room, (_instance, state) => {
      const sql = state.storage.sql;
      const now = 1_000_000_000_000;
      // Nine jobs came at once 30 s ago, held the room for 400 ms and all left for pools.
      noteOccupied(sql, now - 30_000, now - 29_600);
      for (let job = 0; job < 9; job += 1) noteDeparture(sql, now - 29_700);
      // Nine a second while it held them: not nine over the half minute since.
      expect((drainRatePerMs(sql, now) ?? 0) * 1_000).toBeCloseTo(9, 6);
    });
  });

  it('drain: a room that holds jobs through a call records every second it held them', async () => {
    const room = freshRoom();
    const now = Date.now();
    await room.enter('held', now, now + 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await room.leave('held', true);
    const held = await runInDurableObject(room, (_instance, state) =>
      state.storage.sql.exec<{ held: number }>('SELECT COUNT(*) AS held FROM occupied').one(),
    );
    expect(held.held).toBeGreaterThanOrEqual(2);
  });
});
