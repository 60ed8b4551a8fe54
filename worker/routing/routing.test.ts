import { describe, expect, it } from 'vitest';
import { now, policy, pool, request, seeded } from '../testing/routing-fixtures.ts';
import { ineligibility } from './eligibility.ts';
import { type LocalObservations, noObservations, type PoolView, type RoutingRequest } from './fleet-view.ts';
import { rankPools } from './pick-pool.ts';
import { predictedCompletionMs } from './scoring.ts';

describe('routing eligibility', () => {
  const cases: Array<[string, Partial<PoolView>, LocalObservations, Partial<RoutingRequest>, string | null]> =
    [
      ['a healthy pool', {}, noObservations, {}, null],
      ['another model', { models: ['other'] }, noObservations, {}, 'model'],
      ['a disabled pool', { enabled: false }, noObservations, {}, 'disabled'],
      ['a draining pool', { draining: true }, noObservations, {}, 'draining'],
      ['a pool that is not ready', { ready: false }, noObservations, {}, 'not-ready'],
      ['a pool that never reported', { reportedAt: null }, noObservations, {}, 'no-telemetry'],
      ['stale telemetry', { reportedAt: now - 5_001 }, noObservations, {}, 'stale-telemetry'],
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

describe('routing scoring', () => {
  it('routing: a pool with free slots is predicted to finish in about one job time', () => {
    expect(predictedCompletionMs(pool('p'), request, noObservations, policy)).toBe(1_000);
  });

  it('routing: queued work beyond the slots adds waves of job time', () => {
    const busy = pool('p', { running: 4, queued: 8 });
    // 12 ahead + 1 on 4 slots: 9 overflow = 2.25 extra job times, batch full = 1.25 slowdown.
    expect(predictedCompletionMs(busy, request, noObservations, policy)).toBeCloseTo(
      1_000 * 1.25 * (1 + 9 / 4),
    );
  });

  it('routing: own in-flight requests and newer piggybacked load count, older piggybacked load does not', () => {
    const base = pool('p', { running: 0, queued: 0, reportedAt: now - 500 });
    const withInFlight = { ...noObservations, inFlight: new Map([['p', 8]]) };
    expect(predictedCompletionMs(base, request, withInFlight, policy)).toBeGreaterThan(
      predictedCompletionMs(base, request, noObservations, policy),
    );
    const newer = {
      ...noObservations,
      piggybacked: new Map([['p', { queued: 10, running: 4, at: now - 10 }]]),
    };
    const older = {
      ...noObservations,
      piggybacked: new Map([['p', { queued: 10, running: 4, at: now - 900 }]]),
    };
    expect(predictedCompletionMs(base, request, newer, policy)).toBeGreaterThan(1_500);
    expect(predictedCompletionMs(base, request, older, policy)).toBe(1_000);
  });

  it('routing: a pool without a job time uses the policy default', () => {
    expect(
      predictedCompletionMs(pool('p', { jobMs: null }), request, noObservations, {
        ...policy,
        defaultJobMs: 7,
      }),
    ).toBe(7);
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
    const pools = [pool('big', { slots: 12 }), pool('small', { slots: 4 }), pool('tiny', { slots: 4 })];
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
