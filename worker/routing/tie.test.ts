import { describe, expect, it } from 'vitest';
import {
  MEGAPIXELS_512,
  nearLinearCurve,
  now,
  policy,
  request,
  seeded,
  workPool,
} from '../testing/routing-fixtures.ts';
import { completionOnBothLoadsMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations, type PoolView, type RoutingRequest } from './fleet-view.ts';
import { pickPools } from './pick-pool.ts';
import { isSmallRequest } from './request-size.ts';
import { tiedLoser, tiePartnerSecond, tiesRequest } from './tie.ts';

// The test model's typical image is 512x512 at 20 steps (`tinyDefaults`).
const small: RoutingRequest = {
  ...request,
  images: 1,
  steps: 4,
  imageMegapixels: 0.065536,
  work: 4 * 0.065536,
};
const typical: RoutingRequest = {
  ...request,
  images: 1,
  steps: 20,
  imageMegapixels: MEGAPIXELS_512,
  work: 20 * MEGAPIXELS_512,
};

function decide(pools: readonly PoolView[], asked: RoutingRequest) {
  const index = indexFleet(pools, 'tiny', policy);
  const picked = pickPools(index, {
    request: asked,
    observations: noObservations,
    policy,
    now,
    random: seeded(3),
  });
  return { index, picked };
}

describe('routing tied requests', () => {
  it('tie: a request smaller than one typical image goes to its two best pools, a typical one to one', () => {
    const pools = [workPool('a'), workPool('b'), workPool('c')];
    const forSmall = decide(pools, small);
    expect(isSmallRequest(forSmall.index, small)).toBe(true);
    expect(tiesRequest(forSmall.index, small, forSmall.picked)).toBe(true);
    const forTypical = decide(pools, typical);
    expect(isSmallRequest(forTypical.index, typical)).toBe(false);
    expect(tiesRequest(forTypical.index, typical, forTypical.picked)).toBe(false);
    // Four typical images are no small request either.
    expect(isSmallRequest(forTypical.index, { ...small, images: 4, steps: 20, work: undefined })).toBe(false);
  });

  it('tie: never with a single candidate, a pool that does not acknowledge, or a pricier second pool', () => {
    const alone = decide([workPool('a')], small);
    expect(tiesRequest(alone.index, small, alone.picked)).toBe(false);
    const silent = decide(
      [workPool('a', { protocol: 'openai' }), workPool('b', { protocol: 'openai' })],
      small,
    );
    expect(tiesRequest(silent.index, small, silent.picked)).toBe(false);
    const gpuNode = decide(
      [workPool('a', { protocol: 'gpu-node' }), workPool('b', { protocol: 'gpu-node' })],
      small,
    );
    expect(tiesRequest(gpuNode.index, small, gpuNode.picked)).toBe(true);
    // A second pool the snapshot already knows is much busier is not worth a copy.
    const [idle, busy] = [
      workPool('idle'),
      workPool('busy', { queued: 8, queuedWork: 8 * 20 * MEGAPIXELS_512 }),
    ];
    const known = decide([idle, busy], small);
    expect(known.picked.map((entry) => entry.pool.poolId)).toEqual(['idle', 'busy']);
    expect(tiesRequest(known.index, small, known.picked)).toBe(false);
    const owned = workPool('owned');
    const priced = workPool('priced', { pricePerImage: 0.01 });
    const { index } = decide([owned, priced], small);
    const scored = (pool: PoolView) => ({ pool, predictedMs: 100 });
    expect(tiesRequest(index, small, [scored(owned), scored(priced)])).toBe(false);
    expect(tiesRequest(index, small, [scored(priced), scored(owned)])).toBe(true);
  });

  it('tie: a small request is scored between the forecast and the known load, and tied to the next best', () => {
    // A second old: eight fast pools full, one fast pool and one four times slower both idle. The
    // forecast fills the idle fast pool with the herd's typical images; the slow one it leaves be.
    const reportedAt = now - 1_000;
    const full = {
      running: 8,
      runningWork: 8 * 20 * MEGAPIXELS_512,
      queued: 8,
      queuedWork: 8 * 20 * MEGAPIXELS_512,
    };
    const pools = [
      ...Array.from({ length: 8 }, (_, at) => workPool(`full-${at}`, { ...full, reportedAt })),
      workPool('fast', { reportedAt }),
      workPool('slow', { reportedAt, stepCurve: nearLinearCurve(400, 16) }),
    ];
    const { index, picked } = decide(pools, small);
    const [first, second] = picked;
    const views = (poolId: string) => {
      const pool = pools.find((entry) => entry.poolId === poolId);
      return pool ? completionOnBothLoadsMs(pool, small, noObservations, index.fleet, now) : undefined;
    };
    const fast = views('fast');
    const slow = views('slow');
    // On the forecast alone the slow pool would win; between the two views the fast one does.
    expect(fast?.predictedMs).toBeGreaterThan(slow?.predictedMs ?? Number.POSITIVE_INFINITY);
    expect(first?.pool.poolId).toBe('fast');
    expect(first?.predictedMs).toBeCloseTo(Math.sqrt((fast?.predictedMs ?? 0) * (fast?.knownMs ?? 0)), 6);
    expect(first?.predictedMs).toBeGreaterThan(fast?.knownMs ?? Number.POSITIVE_INFINITY);
    expect(first?.predictedMs).toBeLessThan(fast?.predictedMs ?? 0);
    // The slow pool is the partner, held to its completion on the known load.
    expect(second?.pool.poolId).toBe('slow');
    expect(second?.predictedMs).toBe(slow?.knownMs);
    expect(tiesRequest(index, small, picked)).toBe(true);
    // A typical request is scored on the forecast alone.
    expect(decide(pools, typical).picked.every((entry) => entry.knownMs === undefined)).toBe(true);
  });

  it('tie: the partner moves up only when the known load says it beats the pick', () => {
    const scored = (poolId: string, predictedMs: number, knownMs?: number) => ({
      pool: workPool(poolId),
      predictedMs,
      ...(knownMs === undefined ? {} : { knownMs }),
    });
    const rest = [scored('b', 200, 190), scored('c', 300, 90), scored('d', 400, 120)];
    const ids = (entries: readonly { pool: PoolView }[]) => entries.map((entry) => entry.pool.poolId);
    const promoted = tiePartnerSecond(rest, scored('a', 100, 100));
    expect(ids(promoted)).toEqual(['c', 'b', 'd']);
    // It goes out held to the completion the known load gives it.
    expect(promoted[0]?.predictedMs).toBe(90);
    // The pick is also the best on known load: the order stays by prediction.
    const kept = tiePartnerSecond(rest, scored('a', 100, 80));
    expect(ids(kept)).toEqual(['b', 'c', 'd']);
    expect(kept[0]?.predictedMs).toBe(190);
    // Scored on the forecast alone (not a small request): nothing moves.
    expect(ids(tiePartnerSecond([scored('b', 200), scored('c', 300)], scored('a', 100)))).toEqual(['b', 'c']);
  });

  it('tie: the copy expected to finish later is the one dropped, the second on a draw', () => {
    const acked = (remainingMs: number) => ({ remainingMs, soonestMs: 50 });
    expect(tiedLoser(acked(1_200), acked(300))).toBe('first');
    expect(tiedLoser(acked(300), acked(1_200))).toBe('second');
    expect(tiedLoser(acked(300), acked(300))).toBe('second');
  });

  it('tie: before the other pool answers, it is dropped only if even alone there it could not win', () => {
    const waiting = (soonestMs: number) => ({ remainingMs: null, soonestMs });
    // Alone on an idle pool already: the other copy cannot beat it.
    expect(tiedLoser({ remainingMs: 60, soonestMs: 60 }, waiting(90))).toBe('second');
    expect(tiedLoser(waiting(90), { remainingMs: 60, soonestMs: 60 })).toBe('first');
    // Behind a queue: the other pool might still be quicker, so both wait for its word.
    expect(tiedLoser({ remainingMs: 900, soonestMs: 60 }, waiting(90))).toBeNull();
    expect(tiedLoser(waiting(90), { remainingMs: 900, soonestMs: 60 })).toBeNull();
    expect(tiedLoser(waiting(90), waiting(60))).toBeNull();
  });
});
