import { describe, expect, it } from 'vitest';
import { now, policy, request, workPool } from '../testing/routing-fixtures.ts';
import { expectedCompletionMs, unloadedCompletionMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations } from './fleet-view.ts';
import { forecastLoadAt } from './load-forecast.ts';
import { SENT_WORK_TIME_CONSTANT_MS, SentWorkRate } from './sent-work-rate.ts';

/** Busy pools and an idle one, all reported a second ago: the forecast fills the idle one. */
function stalePools() {
  return [
    workPool('idle', { reportedAt: now - 1_000 }),
    ...['b', 'c', 'd'].map((id) =>
      workPool(id, { reportedAt: now - 1_000, running: 6, runningWork: 6 * 20 * 0.262144, jobMs: 2_000 }),
    ),
  ];
}

describe("an isolate's own send rate", () => {
  it('sent work: each send adds its work over the time constant, and the sum fades by e each time constant', () => {
    const rate = new SentWorkRate();
    expect(rate.perMs(0)).toBe(0);
    rate.add(3, 1_000);
    rate.add(6, 1_000);
    rate.add(Number.NaN, 1_000);
    rate.add(-1, 1_000);
    expect(rate.perMs(1_000)).toBeCloseTo(9 / SENT_WORK_TIME_CONSTANT_MS, 12);
    expect(rate.perMs(1_000 + SENT_WORK_TIME_CONSTANT_MS)).toBeCloseTo(
      9 / SENT_WORK_TIME_CONSTANT_MS / Math.E,
      12,
    );
  });

  it('sent work: the forecast arrivals an isolate sent itself are taken off a stale pool, in proportion', () => {
    const index = indexFleet(stalePools(), 'tiny', policy);
    const idle = index.pools.find((pool) => pool.poolId === 'idle');
    if (!idle) throw new Error('no idle pool');
    const arrivals = index.fleet.forecast.arrivalsPerMs;
    expect(arrivals).toBeGreaterThan(0);
    const sending = (perMs: number) =>
      expectedCompletionMs(
        idle,
        request,
        { ...noObservations, sentWork: { perMs: () => perMs } },
        index.fleet,
        now,
      );
    const unloaded = unloadedCompletionMs(idle, request, noObservations, index.fleet);
    const othersOnly = sending(0);
    expect(othersOnly).toBeGreaterThan(1.5 * unloaded);
    // This isolate sent all the fleet's arrivals: none are left for the forecast to add.
    expect(sending(arrivals)).toBeCloseTo(unloaded, 6);
    expect(sending(2 * arrivals)).toBeCloseTo(unloaded, 6);
    const half = sending(arrivals / 2);
    expect(half).toBeGreaterThan(unloaded);
    expect(half).toBeLessThan(othersOnly);
  });

  it('sent work: a pool the forecast drains keeps its whole drain, however much this isolate sends', () => {
    const index = indexFleet(stalePools(), 'tiny', policy);
    const position = index.pools.findIndex((pool) => pool.poolId === 'b');
    const busy = index.pools[position];
    if (!busy) throw new Error('no busy pool');
    // The forecast sends the arrivals to the idle pool: this one only drains since its figure.
    const { forecast } = index.fleet;
    expect(forecastLoadAt(forecast, position, now)).toBeLessThan(
      forecastLoadAt(forecast, position, now - 1_000),
    );
    const quiet = expectedCompletionMs(busy, request, noObservations, index.fleet, now);
    const sending = { ...noObservations, sentWork: { perMs: () => 10 * forecast.arrivalsPerMs } };
    expect(expectedCompletionMs(busy, request, sending, index.fleet, now)).toBeCloseTo(quiet, 6);
  });
});
