import { describe, expect, it } from 'vitest';
import { MEGAPIXELS_512, now, policy, request, seeded, workPool } from '../testing/routing-fixtures.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations, type PoolView, type RoutingRequest } from './fleet-view.ts';
import { pickPools } from './pick-pool.ts';
import { isSmallRequest } from './request-size.ts';
import { tiedLoser, tiesRequest } from './tie.ts';

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
