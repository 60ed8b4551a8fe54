import { describe, expect, it } from 'vitest';
import { now, policy, request, workPool } from '../testing/routing-fixtures.ts';
import { drainClockOf } from './drain-clock.ts';
import {
  completionOnBothLoadsMs,
  expectedCompletionMs,
  unloadedCompletionMs,
} from './expected-completion.ts';
import { finishMsOf } from './finish-time.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations, type PoolView } from './fleet-view.ts';
import { requestShape } from './work-model.ts';

describe('prediction on known load (shedding)', () => {
  // Busy pools reported a second ago: the forecast replays arrivals onto every pool since then.
  const pools = [
    workPool('idle', { reportedAt: now - 1_000 }),
    ...['b', 'c', 'd'].map((id) =>
      workPool(id, { reportedAt: now - 1_000, running: 6, runningWork: 6 * 20 * 0.262144, jobMs: 2_000 }),
    ),
  ];
  const index = indexFleet(pools, 'tiny', policy);

  it('known load: never above the forecast prediction, and an idle pool is predicted idle', () => {
    for (const pool of index.pools) {
      const forecast = expectedCompletionMs(pool, request, noObservations, index.fleet, now);
      const known = expectedCompletionMs(pool, request, noObservations, index.fleet, now, {
        forecastArrivals: false,
      });
      expect(known).toBeLessThanOrEqual(forecast + 1e-9);
    }
    const idle = index.pools.find((pool) => pool.poolId === 'idle');
    if (!idle) throw new Error('no idle pool');
    const known = expectedCompletionMs(idle, request, noObservations, index.fleet, now, {
      forecastArrivals: false,
    });
    const forecastIdle = expectedCompletionMs(idle, request, noObservations, index.fleet, now);
    // The forecast sends it the arrivals it assumes; the known load has none of them.
    expect(forecastIdle).toBeGreaterThan(1.5 * known);
    expect(known).toBeCloseTo(unloadedCompletionMs(idle, request, noObservations, index.fleet), 6);
  });

  it('a snapshot tabulates a pool’s drain clock on its first known-load reading, and only where there is load to drain', () => {
    const fresh = indexFleet(pools, 'tiny', policy);
    expect(fresh.fleet.drainClocks.filter((clock) => clock !== undefined)).toHaveLength(0);
    const known = (pool: PoolView) =>
      expectedCompletionMs(pool, request, noObservations, fresh.fleet, now, { forecastArrivals: false });
    const busy = fresh.pools.findIndex((pool) => pool.poolId === 'b');
    const idle = fresh.pools.findIndex((pool) => pool.poolId === 'idle');
    const [busyPool, idlePool] = [fresh.pools[busy], fresh.pools[idle]];
    if (!busyPool || !idlePool) throw new Error('missing pool');
    known(idlePool);
    expect(fresh.fleet.drainClocks[idle]).toBeUndefined();
    const first = known(busyPool);
    const clock = fresh.fleet.drainClocks[busy];
    expect(clock).toBeDefined();
    expect(fresh.fleet.drainClocks.filter((entry) => entry !== undefined)).toHaveLength(1);
    // The clock the index used to tabulate for every pool: the pool's speed at its running images' size.
    const speed = fresh.fleet.speeds[busy];
    const split = fresh.fleet.imageWork[busy];
    if (!speed || !split) throw new Error('missing figures');
    expect(clock).toEqual(drainClockOf(speed, split.imageMegapixels));
    // Read again, the kept clock gives the same figure.
    expect(known(busyPool)).toBe(first);
    expect(fresh.fleet.drainClocks[busy]).toBe(clock);
  });

  it('a candidate scored with its position and the request’s shape handed in scores as one looked up', () => {
    // One pool counts the request's work its own way (`workByProtocol`): it must not take the shape as asked.
    const mixed = indexFleet(
      [...pools, workPool('openai', { protocol: 'openai-compatible' })],
      'tiny',
      policy,
    );
    const asked = { ...request, images: 2, steps: 12, imageMegapixels: 0.262144, work: 2 * 12 * 0.262144 };
    const sized = { ...asked, workByProtocol: new Map([['openai-compatible', 2 * 30 * 0.262144]]) };
    const shape = requestShape(sized, mixed.fleet.typical);
    mixed.pools.forEach((pool, position) => {
      const hints = { position, shape };
      const looked = completionOnBothLoadsMs(pool, sized, noObservations, mixed.fleet, now, {
        coRunnerDelay: true,
      });
      const handed = completionOnBothLoadsMs(pool, sized, noObservations, mixed.fleet, now, {
        coRunnerDelay: true,
        ...hints,
      });
      expect(handed).toEqual(looked);
      expect(expectedCompletionMs(pool, sized, noObservations, mixed.fleet, now, hints)).toBe(
        expectedCompletionMs(pool, sized, noObservations, mixed.fleet, now),
      );
    });
    const openai = mixed.pools.find((pool) => pool.poolId === 'openai');
    if (!openai) throw new Error('missing pool');
    // Its own count (30 steps) makes it slower than the same pool counting the 12 asked.
    const onOpenai = expectedCompletionMs(openai, sized, noObservations, mixed.fleet, now, { shape });
    const asAsked = expectedCompletionMs(openai, asked, noObservations, mixed.fleet, now);
    expect(onOpenai).toBeGreaterThan(asAsked);
  });

  it('known load: a figure that showed an image running drains on the pool’s own curve', () => {
    // The answer that carried this figure counted its own image as running; two seconds later a
    // pool that runs such an image in ~0.6 s has long finished it, though no report says so yet.
    const busyThen = workPool('answered', { reportedAt: now - 5_000 });
    const fleet = indexFleet([busyThen], 'tiny', policy);
    const [view] = fleet.pools;
    if (!view) throw new Error('no pool');
    const figure = { queued: 0, running: 1, queuedWork: 0, runningWork: 20 * 0.262144 };
    const observations = {
      ...noObservations,
      piggybacked: new Map([['answered', { ...figure, at: now - 2_000 }]]),
    };
    const unloaded = unloadedCompletionMs(view, request, observations, fleet.fleet);
    const known = (at: number) =>
      expectedCompletionMs(
        view,
        request,
        { ...observations, piggybacked: new Map([['answered', { ...figure, at }]]) },
        fleet.fleet,
        now,
        { forecastArrivals: false },
      );
    expect(known(now - 2_000)).toBeCloseTo(unloaded, 6);
    // Half-way through it, the request still finds part of it ahead.
    expect(known(now - 300)).toBeGreaterThan(unloaded);
    expect(known(now - 300)).toBeLessThan(known(now));
    // Just taken, the same figure is an image ahead: the request waits for it or shares its batch.
    expect(known(now)).toBeGreaterThan(1.5 * unloaded);
  });

  it('known load: a pool’s measured finish time is part of every prediction, loaded or idle', () => {
    const busy = { reportedAt: now - 200, running: 2, runningWork: 2 * 20 * 0.262144, jobMs: 2_000 };
    const without = indexFleet([workPool('p', busy)], 'tiny', policy);
    const withFinish = indexFleet([workPool('p', { ...busy, finishMs: 250 })], 'tiny', policy);
    const [plain] = without.pools;
    const [finishing] = withFinish.pools;
    if (!plain || !finishing) throw new Error('no pool');
    const gap = (pick: (index: typeof without, view: PoolView) => number) =>
      pick(withFinish, finishing) - pick(without, plain);
    expect(
      gap((index, view) => unloadedCompletionMs(view, request, noObservations, index.fleet)),
    ).toBeCloseTo(250, 6);
    expect(
      gap((index, view) =>
        expectedCompletionMs(view, request, noObservations, index.fleet, now, { forecastArrivals: false }),
      ),
    ).toBeCloseTo(250, 6);
    expect(
      gap((index, view) => expectedCompletionMs(view, request, noObservations, index.fleet, now)),
    ).toBeCloseTo(250, 6);
  });

  it('known load: where a pool reports its finish per megapixel, a request pays it for its own image size', () => {
    const idle = { reportedAt: now - 200, jobMs: 2_000 };
    // 300 ms per megapixel: a 1024 px image (1.048576 MP) finishes in about 315 ms, a 256 px one in 20.
    const pool = { ...idle, finishMs: 60, finishMsPerMegapixel: 300 };
    const index = indexFleet([workPool('p', pool)], 'tiny', policy);
    const bare = indexFleet([workPool('p', idle)], 'tiny', policy);
    const [view] = index.pools;
    const [plain] = bare.pools;
    if (!view || !plain) throw new Error('no pool');
    const large = { ...request, steps: 20, imageMegapixels: 1.048576, work: 20 * 1.048576 };
    const small = { ...request, steps: 20, imageMegapixels: 0.065536, work: 20 * 0.065536 };
    const finishOf = (routed: typeof request) =>
      unloadedCompletionMs(view, routed, noObservations, index.fleet) -
      unloadedCompletionMs(plain, routed, noObservations, bare.fleet);
    expect(finishOf(large)).toBeCloseTo(300 * 1.048576, 6);
    expect(finishOf(small)).toBeCloseTo(300 * 0.065536, 6);
    // An older pool without the figure: its average finish for every size.
    expect(finishMsOf({ finishMs: 60 }, 1.048576)).toBe(60);
    expect(finishMsOf({ finishMs: null, finishMsPerMegapixel: null }, 1)).toBe(0);
  });

  it('known load: a request pays the finish once per image, since the pool decodes and encodes them one after another', () => {
    const idle = { reportedAt: now - 200, jobMs: 2_000 };
    const index = indexFleet(
      [workPool('p', { ...idle, finishMs: 60, finishMsPerMegapixel: 500 })],
      'tiny',
      policy,
    );
    const bare = indexFleet([workPool('p', idle)], 'tiny', policy);
    const [view] = index.pools;
    const [plain] = bare.pools;
    if (!view || !plain) throw new Error('no pool');
    // Ten 1024 px images at one step: the answer comes about ten finishes after the step.
    const tenLarge = { ...request, images: 10, steps: 1, imageMegapixels: 1.048576, work: 10 * 1.048576 };
    const finish =
      unloadedCompletionMs(view, tenLarge, noObservations, index.fleet) -
      unloadedCompletionMs(plain, tenLarge, noObservations, bare.fleet);
    expect(finish).toBeCloseTo(10 * 500 * 1.048576, 6);
    expect(finishMsOf({ finishMsPerMegapixel: 500 }, 1.048576, 10)).toBeCloseTo(10 * 500 * 1.048576, 6);
    expect(finishMsOf({ finishMs: 60 }, 1, 4)).toBe(240);
  });
});
