import { describe, expect, it } from 'vitest';
import { indexFleet } from '../routing/fleet-index.ts';
import { noObservations } from '../routing/fleet-view.ts';
import { expectedCompletionMs, unloadedCompletionMs } from '../routing/index.ts';
import { now, policy, request, workPool } from '../testing/routing-fixtures.ts';
import { admittance, keepLastRoom, withDemandAhead } from './shedding.ts';

// `busy` runs four images and is ranked first; `idle` runs none.
const pools = [workPool('busy', { running: 4, runningWork: 4 * 20 * 0.262144 }), workPool('idle')];
const index = indexFleet(pools, 'tiny', policy);
const services = (limits: Record<string, number>) => ({
  config: { admission: { slowdownLimits: limits } },
  observations: noObservations,
});
const ranked = (order: readonly string[]) =>
  order.map((poolId) => {
    const pool = index.pools.find((entry) => entry.poolId === poolId);
    if (!pool) throw new Error(`no pool ${poolId}`);
    return { pool, predictedMs: expectedCompletionMs(pool, request, noObservations, index.fleet, now) };
  });

/** A paid request judged with a paid slowdown limit of 1.4 and a minute to its deadline. */
const paidAt14 = (order: readonly string[]) =>
  admittance(ranked(order), request, services({ paid: 1.4 }), index.fleet, 'paid', now, 60_000);

describe('admittance', () => {
  it('shedding: an idle pool within the limit is room, and goes first, though a busy one ranks above it', () => {
    const judged = paidAt14(['busy', 'idle']);
    expect(judged.admitted).toBe(true);
    if (!judged.admitted) return;
    expect(judged.ranked.map((entry) => entry.pool.poolId)).toEqual(['idle', 'busy']);
    // Should it give the room up, it could wait a share of its slack (0.75 x 0.4 x its idle time).
    expect(judged.maxWaitMs).toBeGreaterThan(0);
  });

  it('shedding: with every candidate over the limit it is refused with Retry-After, and may wait for a slot', () => {
    const judged = paidAt14(['busy']);
    expect(judged.admitted).toBe(false);
    if (judged.admitted) return;
    expect(judged.verdict.error.status).toBe(503);
    expect(judged.verdict.error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(judged.verdict.maxWaitMs).toBeGreaterThan(0);
    // A tier without a limit queues behind the same batch.
    expect(
      admittance(ranked(['busy']), request, services({}), index.fleet, 'paid', now, 60_000).admitted,
    ).toBe(true);
  });

  it('shedding: a request that could not start before its deadline is refused at once, in any tier', () => {
    const judged = admittance(ranked(['busy']), request, services({}), index.fleet, 'enterprise', now, 1);
    expect(judged.admitted).toBe(false);
    if (judged.admitted) return;
    expect(judged.verdict.maxWaitMs).toBe(0);
    expect(judged.verdict.error.message).toContain('deadline');
  });

  it('shedding: a refusal wants room only where the deadline leaves the request its unloaded time', () => {
    const judgedWith = (remainingMs: number) =>
      admittance(ranked(['busy']), request, services({}), index.fleet, 'enterprise', now, remainingMs);
    const hopeless = judgedWith(1);
    expect(hopeless.admitted).toBe(false);
    if (hopeless.admitted) return;
    expect(hopeless.verdict.wantsRoom).toBe(false);
    // Enough time for the request on an idle pool, but not behind the busy pool's batch.
    const busyPool = index.pools.find((entry) => entry.poolId === 'busy');
    if (!busyPool) throw new Error('no pool busy');
    const unloaded = unloadedCompletionMs(busyPool, request, noObservations, index.fleet);
    const predicted = expectedCompletionMs(busyPool, request, noObservations, index.fleet, now);
    const reachable = judgedWith(unloaded + 1);
    expect(predicted - unloaded).toBeGreaterThan(unloaded + 1);
    expect(reachable.admitted).toBe(false);
    if (reachable.admitted) return;
    expect(reachable.verdict.wantsRoom).toBe(true);
  });

  it('shedding: the last room is kept for a higher tier short of room, and only the last one', () => {
    const freeAt12 = (order: readonly string[]) =>
      admittance(ranked(order), request, services({ free: 1.2 }), index.fleet, 'free', now, 60_000);
    const oneRoom = freeAt12(['busy', 'idle']);
    expect(oneRoom.admitted && oneRoom.rooms).toBe(1);
    // Paid is being turned away: the free request is shed, with Retry-After, and may wait a turn.
    const kept = keepLastRoom(oneRoom, 'free', true);
    expect(kept.admitted).toBe(false);
    if (kept.admitted) return;
    expect(kept.verdict.error.status).toBe(503);
    expect(kept.verdict.error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(kept.verdict.maxWaitMs).toBe(oneRoom.admitted ? oneRoom.maxWaitMs : Number.NaN);
    // Nobody above it short of room, or more than one room: it takes one.
    expect(keepLastRoom(oneRoom, 'free', false)).toBe(oneRoom);
    const twoRooms = freeAt12(['idle', 'idle']);
    expect(twoRooms.admitted && twoRooms.rooms).toBe(2);
    expect(keepLastRoom(twoRooms, 'free', true)).toBe(twoRooms);
  });

  it('shedding: a refusal tells at least the wait for the demand ahead of it, within 60 s', () => {
    const oneRoom = admittance(
      ranked(['busy', 'idle']),
      request,
      services({ free: 1.2 }),
      index.fleet,
      'free',
      now,
      60_000,
    );
    const kept = keepLastRoom(oneRoom, 'free', true);
    if (kept.admitted) throw new Error('expected a refusal');
    const { error } = kept.verdict;
    const drained = error.retryAfterSeconds ?? 0;
    expect(withDemandAhead(error, null)).toBe(error);
    expect(withDemandAhead(error, drained * 1_000 - 1)).toBe(error);
    const raised = withDemandAhead(error, drained * 1_000 + 3_500);
    expect(raised).toMatchObject({ status: 503, code: error.code, retryAfterSeconds: drained + 4 });
    expect(raised.message).toBe(error.message);
    expect(withDemandAhead(error, 10 * 60_000).retryAfterSeconds).toBe(60);
  });
});
