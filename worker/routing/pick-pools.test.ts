import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { now, policy, pool, request, seeded, unitCurvePool } from '../testing/routing-fixtures.ts';
import { ineligibility } from './eligibility.ts';
import { expectedCompletionMs } from './expected-completion.ts';
import { DEFAULT_CHOICES, indexFleet } from './fleet-index.ts';
import { type LocalObservations, noObservations } from './fleet-view.ts';
import { pickPools } from './pick-pool.ts';

const decide = (pools: Parameters<typeof indexFleet>[0], observations: LocalObservations, seed: number) =>
  pickPools(indexFleet(pools, 'tiny', policy), { request, observations, policy, now, random: seeded(seed) });

describe('routing pickPools', () => {
  it('routing: the same seed gives the same pick and failover order', () => {
    const pools = Array.from({ length: 50 }, (_, index) => pool(`p${index}`, { queued: index % 7 }));
    expect(decide(pools, noObservations, 9).map((entry) => entry.pool.poolId)).toEqual(
      decide(pools, noObservations, 9).map((entry) => entry.pool.poolId),
    );
  });

  it('routing: never returns an ineligible or repeated pool', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            queued: fc.nat(40),
            draining: fc.boolean(),
            ejected: fc.boolean(),
            suspect: fc.boolean(),
            slots: fc.integer({ min: 0, max: 16 }),
          }),
          { minLength: 1, maxLength: 40 },
        ),
        fc.nat(),
        (specs, seed) => {
          const pools = specs.map((spec, index) =>
            pool(`p${index}`, {
              queued: spec.queued,
              draining: spec.draining,
              slots: spec.slots,
              suspectUntil: spec.suspect ? now + 1 : null,
            }),
          );
          const observations: LocalObservations = {
            ...noObservations,
            ejectedUntil: new Map(
              specs.flatMap((spec, index) => (spec.ejected ? [[`p${index}`, now + 1]] : [])),
            ),
          };
          const picked = decide(pools, observations, seed);
          const ids = picked.map((entry) => entry.pool.poolId);
          expect(new Set(ids).size).toBe(ids.length);
          for (const entry of picked) {
            expect(ineligibility(entry.pool, request, observations, policy, now)).toBeNull();
          }
          const anyEligible = pools.some(
            (candidate) => ineligibility(candidate, request, observations, policy, now) === null,
          );
          expect(picked.length > 0).toBe(anyEligible);
        },
      ),
    );
  });

  it('routing: never picks a ready, idle pool that reports zero slots, however busy the rest', () => {
    // Arithmetic counts at least one slot, so the empty pool looked like the fastest one.
    const pools = [pool('empty', { slots: 0, maxQueue: 0 }), pool('busy', { running: 4, queued: 30 })];
    for (let seed = 0; seed < 20; seed++) {
      expect(decide(pools, noObservations, seed).map((entry) => entry.pool.poolId)).toEqual(['busy']);
    }
  });

  it('routing: samples in proportion to full-batch throughput when predictions tie', () => {
    // Batching is free up to 16 images here, so throughput is slots / step time.
    const flat = (stepMs: number) =>
      [
        [1, stepMs],
        [16, stepMs],
      ] as const;
    const pools = [
      unitCurvePool('fast', flat(500), { slots: 4 }),
      unitCurvePool('big', flat(1_000), { slots: 8 }),
      unitCurvePool('slow', flat(2_000), { slots: 4 }),
    ];
    // choices: 1 isolates the sampling from the comparison.
    const single = { ...policy, choices: 1 };
    const index = indexFleet(pools, 'tiny', single);
    const random = seeded(5);
    const firstSample = new Map<string, number>();
    for (let decision = 0; decision < 6_000; decision++) {
      const [first] = pickPools(
        index,
        { request, observations: noObservations, policy: single, now, random },
        1,
      );
      if (first) firstSample.set(first.pool.poolId, (firstSample.get(first.pool.poolId) ?? 0) + 1);
    }
    // Weights 8, 8 and 2 per second.
    expect((firstSample.get('fast') ?? 0) / 6_000).toBeCloseTo(8 / 18, 1);
    expect((firstSample.get('slow') ?? 0) / 6_000).toBeCloseTo(2 / 18, 1);
  });

  it('routing: with most pools excluded it still finds the survivors', () => {
    const pools = Array.from({ length: 200 }, (_, index) => pool(`p${index}`, { draining: index !== 123 }));
    const live = Array.from({ length: 200 }, (_, index) => pool(`p${index}`));
    const observations: LocalObservations = {
      ...noObservations,
      ejectedUntil: new Map(live.filter((_, index) => index !== 7).map((entry) => [entry.poolId, now + 1])),
    };
    expect(decide(pools, noObservations, 1).map((entry) => entry.pool.poolId)).toEqual(['p123']);
    expect(decide(live, observations, 1).map((entry) => entry.pool.poolId)).toEqual(['p7']);
  });

  it('routing: a stale snapshot does not herd isolates onto the pool that looked idle', () => {
    // Ten equal pools, one idle in a 1 s old snapshot. Greedy stale least-loaded sends every
    // isolate there; the herd forecast scores it as full as the others have since made it.
    const pools = Array.from({ length: 10 }, (_, index) =>
      unitCurvePool(
        `p${index}`,
        [
          [1, 1_000],
          [8, 1_250],
        ],
        { slots: 8, running: index === 0 ? 0 : 8, queued: index === 0 ? 0 : 4, reportedAt: now - 1_000 },
      ),
    );
    const index = indexFleet(pools, 'tiny', policy);
    const idle = pools[0];
    const busy = pools[1];
    if (!idle || !busy) throw new Error('fixture');
    expect(expectedCompletionMs(idle, request, noObservations, index.fleet, now)).toBeGreaterThan(
      expectedCompletionMs({ ...idle, reportedAt: now }, request, noObservations, index.fleet, now),
    );
    const counts = new Map<string, number>();
    const random = seeded(42);
    for (let decision = 0; decision < 2_000; decision++) {
      const [first] = pickPools(index, { request, observations: noObservations, policy, now, random });
      if (first) counts.set(first.pool.poolId, (counts.get(first.pool.poolId) ?? 0) + 1);
    }
    expect(counts.size).toBeGreaterThanOrEqual(9);
    expect(Math.max(...counts.values()) / 2_000).toBeLessThan(0.3);
  });

  it('routing: own requests sent after the snapshot count, those before do not count twice', () => {
    const target = pool('p', { running: 2, reportedAt: now - 500 });
    const fleet = indexFleet([target], 'tiny', policy).fleet;
    const before = {
      ...noObservations,
      inFlight: new Map([['p', 2]]),
      inFlightSentAt: new Map([['p', [now - 900, now - 800]]]),
    };
    const after = { ...before, inFlightSentAt: new Map([['p', [now - 100, now - 50]]]) };
    expect(expectedCompletionMs(target, request, after, fleet, now)).toBeGreaterThan(
      expectedCompletionMs(target, request, before, fleet, now),
    );
  });
});

describe('routing choices', () => {
  it('routing: samples DEFAULT_CHOICES pools unless the policy sets its own', () => {
    const pools = Array.from({ length: 20 }, (_, index) => pool(`p${index}`));
    expect(indexFleet(pools, 'tiny', policy).choices).toBe(DEFAULT_CHOICES);
    expect(indexFleet(pools, 'tiny', { ...policy, choices: 2 }).choices).toBe(2);
    expect(indexFleet(pools, 'tiny', { ...policy, choices: 0 }).choices).toBe(1);
  });
});
