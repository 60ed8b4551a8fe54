import { describe, expect, it } from 'vitest';
import { now, policy, request, seeded, workPool } from '../testing/routing-fixtures.ts';
import { indexFleet } from './fleet-index.ts';
import { type LocalObservations, noObservations, type PoolView } from './fleet-view.ts';
import { pickPools, rankPools } from './pick-pool.ts';
import { shouldReroute } from './reroute.ts';
import {
  cheapestMeeting,
  MAX_PRICE_BANDS,
  meetsObjective,
  objectiveFor,
  priceBandsOf,
  requestCost,
  SPILL_MARGIN,
  spillAllowsMove,
} from './spill.ts';

const owned = (id: string, overrides: Partial<PoolView> = {}) => workPool(id, overrides);
const priced = (id: string, price: number, overrides: Partial<PoolView> = {}) =>
  workPool(id, { pricePerImage: price, providerId: 'cloud', ...overrides });
/** A pool with `images` reference images queued ahead of any new request. */
const busy = (images: number) => ({ queued: images, queuedWork: images * 20 * 0.262144 });

function pick(
  pools: readonly PoolView[],
  objectiveMs: number | undefined,
  seed = 1,
  observations = noObservations,
) {
  const index = indexFleet(pools, 'tiny', policy);
  return pickPools(index, {
    request: objectiveMs === undefined ? request : { ...request, objectiveMs },
    observations,
    policy,
    now,
    random: seeded(seed),
  });
}

describe('spill by cost', () => {
  it('spill: prefers an owned pool that meets the objective over a faster priced one', () => {
    const pools = [owned('own', busy(8)), priced('fast', 0.01)];
    const [fastest] = pick(pools, undefined);
    expect(fastest?.pool.poolId).toBe('fast');
    const [first, ...failover] = pick(pools, 60_000);
    expect(first?.pool.poolId).toBe('own');
    // Failover stays best-predicted-first.
    expect(failover.map((entry) => entry.pool.poolId)).toEqual(['fast']);
  });

  it('spill: goes to a priced pool only when the owned ones would miss the objective', () => {
    const pools = [owned('own', busy(40)), priced('fast', 0.01)];
    const [ownedEntry] = rankPools({
      pools,
      request,
      observations: noObservations,
      policy,
      now,
      random: seeded(1),
    }).filter((entry) => entry.pool.poolId === 'own');
    const ownedMs = ownedEntry?.predictedMs ?? 0;
    // Just enough room on the owned pool: it stays there; a little less: it spills.
    expect(pick(pools, ownedMs * (1 + SPILL_MARGIN) + 1)[0]?.pool.poolId).toBe('own');
    expect(pick(pools, ownedMs * (1 + SPILL_MARGIN) - 1)[0]?.pool.poolId).toBe('fast');
  });

  it('spill: among priced pools that meet it, the cheapest; when none does, the fastest', () => {
    const pools = [owned('own', busy(60)), priced('premium', 0.01), priced('budget', 0.002, busy(4))];
    expect(pick(pools, 20_000)[0]?.pool.poolId).toBe('budget');
    expect(pick(pools, 1)[0]?.pool.poolId).toBe('premium');
  });

  it('spill: samples owned pools first even when priced pools hold most of the throughput', () => {
    // One small owned pool among 30 big priced ones: sampling the fleet as a whole would miss it
    // in most draws and spill requests it could have met.
    const pools = [
      owned('own', { slots: 2 }),
      ...Array.from({ length: 30 }, (_, at) => priced(`cloud-${at}`, 0.005, { slots: 16 })),
    ];
    for (let seed = 1; seed <= 20; seed++) expect(pick(pools, 120_000, seed)[0]?.pool.poolId).toBe('own');
  });

  it('spill: without an objective the pick is exactly the pure predicted-completion pick', () => {
    const pools = Array.from({ length: 24 }, (_, at) =>
      at % 3 === 0 ? owned(`own-${at}`, busy(at % 5)) : priced(`cloud-${at}`, 0.001 * (at % 4), busy(at % 7)),
    );
    const plain = pools.map(({ pricePerImage: _price, ...rest }) => rest);
    for (let seed = 1; seed <= 10; seed++) {
      const ids = (list: readonly { pool: PoolView }[]) => list.map((entry) => entry.pool.poolId);
      expect(ids(pick(pools, undefined, seed))).toEqual(ids(pick(plain, undefined, seed)));
    }
  });

  it('spill: skips ineligible owned pools and still prefers the eligible owned one', () => {
    const pools = [owned('own-a'), owned('own-b'), priced('fast', 0.01)];
    const observations: LocalObservations = {
      ...noObservations,
      ejectedUntil: new Map([['own-a', now + 1]]),
    };
    expect(pick(pools, 60_000, 3, observations)[0]?.pool.poolId).toBe('own-b');
  });

  it('spill: cost is price times images; owned and nonsense prices are free', () => {
    expect(requestCost({ pricePerImage: 0.004 }, { images: 3 })).toBeCloseTo(0.012);
    expect(requestCost({ pricePerImage: null }, { images: 3 })).toBe(0);
    expect(requestCost({}, { images: 3 })).toBe(0);
    expect(requestCost({ pricePerImage: -1 }, { images: 3 })).toBe(0);
    expect(requestCost({ pricePerImage: Number.NaN }, { images: 3 })).toBe(0);
  });

  it('spill: cheapestMeeting breaks price ties by predicted completion and honours the margin', () => {
    const a = { pool: priced('a', 0.002), predictedMs: 900 };
    const b = { pool: priced('b', 0.002), predictedMs: 600 };
    const c = { pool: priced('c', 0.001), predictedMs: 1_000 };
    expect(cheapestMeeting([a, b, c], request, 1_000 * (1 + SPILL_MARGIN))?.pool.poolId).toBe('c');
    expect(cheapestMeeting([a, b, c], request, 900 * (1 + SPILL_MARGIN))?.pool.poolId).toBe('b');
    expect(cheapestMeeting([a, b, c], request, 500)).toBeUndefined();
    expect(meetsObjective(1_000, 1_000, 0)).toBe(true);
    expect(meetsObjective(1_000, 1_000)).toBe(false);
  });

  it('spill: many distinct prices are merged into at most MAX_PRICE_BANDS bands, cheapest first', () => {
    const pools = Array.from({ length: 10 }, (_, at) => priced(`p${at}`, (10 - at) * 0.001));
    const bands = priceBandsOf(
      pools,
      pools.map(() => 1),
    );
    expect(bands).toHaveLength(MAX_PRICE_BANDS);
    expect(bands.map((band) => band.price)).toEqual(
      [...bands.map((band) => band.price)].sort((x, y) => x - y),
    );
    expect(bands.reduce((sum, band) => sum + band.positions.length, 0)).toBe(10);
    expect(priceBandsOf([owned('a'), owned('b')], [1, 1])).toHaveLength(1);
  });

  it('spill: objectiveFor reads the tier, none for a tier without one', () => {
    const withObjectives = { ...policy, tierObjectivesMs: { paid: 8_000, enterprise: 0 } };
    expect(objectiveFor(withObjectives, 'paid')).toBe(8_000);
    expect(objectiveFor(withObjectives, 'free')).toBeUndefined();
    expect(objectiveFor(withObjectives, 'enterprise')).toBeUndefined();
    expect(objectiveFor(policy, 'paid')).toBeUndefined();
  });

  it('spill: a queued request does not move to a pricier pool while it would still meet its objective', () => {
    const move = { started: false, moves: 0, remainingMs: 3_000, alternativeMs: 1_000 };
    expect(shouldReroute(move)).toBe(true);
    const pricier = { ...move, cost: 0, alternativeCost: 0.01 };
    expect(shouldReroute({ ...pricier, objectiveMs: 10_000 })).toBe(false);
    expect(shouldReroute({ ...pricier, objectiveMs: 3_000 })).toBe(true);
    expect(spillAllowsMove({ remainingMs: 3_000, objectiveMs: 10_000, cost: 0.01, alternativeCost: 0 })).toBe(
      true,
    );
  });

  it('spill: the forecast knows the cheap pools fill first, so the herd spills sooner', () => {
    const pools = [owned('own', busy(6)), priced('fast', 0.01, { slots: 16 })];
    const spilling = { ...policy, tierObjectivesMs: { paid: 60_000 } };
    const later = now + 2_000;
    const predictedOn = (routing: typeof policy) =>
      rankPools({
        pools,
        request,
        observations: noObservations,
        policy: routing,
        now: later,
        random: seeded(1),
      }).find((entry) => entry.pool.poolId === 'own')?.predictedMs ?? 0;
    expect(predictedOn(spilling)).toBeGreaterThan(predictedOn(policy));
  });
});
