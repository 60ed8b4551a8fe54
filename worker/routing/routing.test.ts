import { describe, expect, it } from 'vitest';
import { now, policy, pool, request, seeded, unitCurvePool } from '../testing/routing-fixtures.ts';
import { ineligibility } from './eligibility.ts';
import { expectedCompletionMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';
import { type LocalObservations, noObservations, type PoolView, type RoutingRequest } from './fleet-view.ts';
import { rankPools } from './pick-pool.ts';
import { QUEUE_WAIT_MARGIN } from './work-model.ts';

/** The prediction for one pool scored alone, with `routing` as the policy. */
const predicted = (target: PoolView, observations: LocalObservations, routing = policy) =>
  expectedCompletionMs(target, request, observations, indexFleet([target], 'tiny', routing).fleet, now);

describe('routing eligibility', () => {
  const cases: Array<[string, Partial<PoolView>, LocalObservations, Partial<RoutingRequest>, string | null]> =
    [
      ['a healthy pool', {}, noObservations, {}, null],
      ['another model', { models: ['other'] }, noObservations, {}, 'model'],
      ['a disabled pool', { enabled: false }, noObservations, {}, 'disabled'],
      ['a draining pool', { draining: true }, noObservations, {}, 'draining'],
      ['a pool that is not ready', { ready: false }, noObservations, {}, 'not-ready'],
      ['a pool that never reported', { reportedAt: null }, noObservations, {}, 'no-telemetry'],
      [
        'a ready pool reporting zero slots and no queue',
        { slots: 0, maxQueue: 0 },
        noObservations,
        {},
        'no-slots',
      ],
      ['stale telemetry', { reportedAt: now - 5_001 }, noObservations, {}, 'stale-telemetry'],
      [
        'a pool of a region held from a read 3 s ago, fresh then',
        { reportedAt: now - 5_001, heldSince: now - 3_000 },
        noObservations,
        {},
        null,
      ],
      [
        'a pool of a held region, stale already when read',
        { reportedAt: now - 8_001, heldSince: now - 3_000 },
        noObservations,
        {},
        'stale-telemetry',
      ],
      ['an ejected pool', {}, { ...noObservations, ejectedUntil: new Map([['p', now + 1]]) }, {}, 'ejected'],
      [
        'a provider the tenant may not use',
        {},
        noObservations,
        { allowedProviders: ['prov-b'] },
        'provider-not-allowed',
      ],
      [
        'a region the tenant may not use',
        {},
        noObservations,
        { allowedRegions: ['us'] },
        'region-not-allowed',
      ],
    ];
  for (const [name, overrides, observations, requestOverrides, expected] of cases) {
    it(`routing: ${name} is ${expected === null ? 'eligible' : `excluded (${expected})`}`, () => {
      expect(
        ineligibility(pool('p', overrides), { ...request, ...requestOverrides }, observations, policy, now),
      ).toBe(expected);
    });
  }
});

describe('routing scoring of pools that report no work', () => {
  it('routing: an idle pool is predicted to finish one image in one job time', () => {
    expect(predicted(pool('p'), noObservations)).toBe(1_000);
  });

  it('routing: without a measured curve every image ahead costs a job time (no batching gain)', () => {
    // Each image is a job time of work and a batch of k steps k times slower. 12 ahead on 4
    // slots: 9 take their turn first (a job time each at full-batch pace, with the queue margin),
    // then its own step in a full batch. Two running and free slots: its step beside them, 3 job
    // times.
    const waitMs = QUEUE_WAIT_MARGIN * 9 * 1_000;
    expect(predicted(pool('p', { running: 4, queued: 8 }), noObservations)).toBeCloseTo(waitMs + 4_000);
    expect(predicted(pool('p', { running: 2 }), noObservations)).toBeCloseTo(3_000);
  });

  it('routing: own in-flight requests and newer piggybacked load count, older piggybacked load does not', () => {
    const base = pool('p', { running: 0, queued: 0, reportedAt: now - 500 });
    const withInFlight = { ...noObservations, inFlight: new Map([['p', 8]]) };
    expect(predicted(base, withInFlight)).toBeGreaterThan(predicted(base, noObservations));
    const newer = {
      ...noObservations,
      piggybacked: new Map([['p', { queued: 10, running: 4, at: now - 10 }]]),
    };
    const older = {
      ...noObservations,
      piggybacked: new Map([['p', { queued: 10, running: 4, at: now - 900 }]]),
    };
    expect(predicted(base, newer)).toBeGreaterThan(1_500);
    expect(predicted(base, older)).toBe(1_000);
  });

  it('routing: a pool without a job time uses the policy default', () => {
    expect(predicted(pool('p', { jobMs: null }), noObservations, { ...policy, defaultJobMs: 7 })).toBe(7);
  });
});

describe('routing decisions', () => {
  it('routing: the same seed gives the same decision', () => {
    const pools = ['a', 'b', 'c', 'd'].map((id, index) => pool(id, { queued: index }));
    const decide = (seed: number) =>
      rankPools({ pools, request, observations: noObservations, policy, now, random: seeded(seed) }).map(
        (s) => s.pool.poolId,
      );
    expect(decide(7)).toEqual(decide(7));
  });

  it('routing: the ranking lists every eligible pool once, failover order best first', () => {
    const pools = [
      pool('a', { queued: 20 }),
      pool('b', { queued: 2 }),
      pool('c', { draining: true }),
      pool('d', { queued: 9 }),
    ];
    const ranked = rankPools({
      pools,
      request,
      observations: noObservations,
      policy,
      now,
      random: seeded(1),
    });
    expect(ranked.map((s) => s.pool.poolId).sort()).toEqual(['a', 'b', 'd']);
    const rest = ranked.slice(1).map((s) => s.predictedMs);
    expect(rest).toEqual([...rest].sort((x, y) => x - y));
  });

  it('routing: with two pools the less-loaded one always wins', () => {
    const pools = [pool('loaded', { running: 4, queued: 12 }), pool('idle')];
    for (let seed = 0; seed < 50; seed++) {
      const [first] = rankPools({
        pools,
        request,
        observations: noObservations,
        policy,
        now,
        random: seeded(seed),
      });
      expect(first?.pool.poolId).toBe('idle');
    }
  });

  it('routing: many isolates with the same stale snapshot do not all herd onto the best pool', () => {
    // Ten equal pools; "best" differs by a hair. Greedy choice would send 100% to pool-0.
    const pools = Array.from({ length: 10 }, (_, index) =>
      pool(`pool-${index}`, { queued: 4 + (index === 0 ? 0 : 0.01) }),
    );
    const counts = new Map<string, number>();
    const random = seeded(42);
    for (let decision = 0; decision < 2_000; decision++) {
      const [first] = rankPools({ pools, request, observations: noObservations, policy, now, random });
      if (first) counts.set(first.pool.poolId, (counts.get(first.pool.poolId) ?? 0) + 1);
    }
    // The herd forecast may even skip the hair-better pool: every isolate holding this snapshot
    // has been sending there for 100 ms, so by now it is the fuller one.
    expect(counts.size).toBeGreaterThanOrEqual(9);
    expect(Math.max(...counts.values())).toBeLessThan(2_000 * 0.3);
  });

  it('routing: sampling is weighted by capacity when predictions tie', () => {
    // Batching is free up to 16 images here, so capacity is proportional to slots.
    const flat = [
      [1, 1_000],
      [16, 1_000],
    ] as const;
    const pools = [
      unitCurvePool('big', flat, { slots: 12 }),
      unitCurvePool('small', flat, { slots: 4 }),
      unitCurvePool('tiny', flat, { slots: 4 }),
    ];
    const counts = new Map<string, number>();
    const random = seeded(3);
    for (let decision = 0; decision < 4_000; decision++) {
      const [first] = rankPools({ pools, request, observations: noObservations, policy, now, random });
      if (first) counts.set(first.pool.poolId, (counts.get(first.pool.poolId) ?? 0) + 1);
    }
    // With equal predictions the first sample wins: P(big) = 12/20.
    expect((counts.get('big') ?? 0) / 4_000).toBeCloseTo(0.6, 1);
  });

  it('routing: a pool that has not measured a job yet competes with the fleet median, not a penalty', () => {
    const pools = [pool('veteran', { jobMs: 40 }), pool('newcomer', { jobMs: null })];
    const counts = new Map<string, number>();
    const random = seeded(11);
    for (let decision = 0; decision < 400; decision++) {
      const [first] = rankPools({ pools, request, observations: noObservations, policy, now, random });
      if (first) counts.set(first.pool.poolId, (counts.get(first.pool.poolId) ?? 0) + 1);
    }
    expect(counts.get('newcomer') ?? 0).toBeGreaterThan(100);
  });

  it('routing: no eligible pool gives an empty ranking', () => {
    const pools = [pool('a', { draining: true }), pool('b', { reportedAt: now - 60_000 })];
    expect(
      rankPools({ pools, request, observations: noObservations, policy, now, random: seeded(1) }),
    ).toEqual([]);
  });
});
