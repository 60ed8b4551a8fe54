import { describe, expect, it } from 'vitest';
import { DecayingRate } from './load-statistics.ts';

const timeConstantMs = 10_000;

describe('DecayingRate', () => {
  it('decaying rate: null before anything was recorded', () => {
    expect(new DecayingRate(timeConstantMs, () => 0).perSecond()).toBeNull();
  });

  it('decaying rate: the first record already gives its own rate, with no warm-up bias', () => {
    const rate = new DecayingRate(timeConstantMs, () => 5_000);
    rate.add(3, 100);
    expect(rate.perSecond()).toBeCloseTo(30, 6);
  });

  it('decaying rate: a steady stream reads as its rate, however long it has run', () => {
    let now = 0;
    const rate = new DecayingRate(timeConstantMs, () => now);
    // 0.5 every 50 ms: 10 per second.
    for (let tick = 1; tick <= 2_000; tick++) {
      now += 50;
      rate.add(0.5, 50);
      if (tick === 1 || tick === 20 || tick === 2_000) expect(rate.perSecond()).toBeCloseTo(10, 6);
    }
  });

  it('decaying rate: follows a change of pace, and idle time lowers it towards zero', () => {
    let now = 0;
    const rate = new DecayingRate(timeConstantMs, () => now);
    const run = (ms: number, amountPer50Ms: number) => {
      for (let elapsed = 0; elapsed < ms; elapsed += 50) {
        now += 50;
        rate.add(amountPer50Ms, 50);
      }
    };
    run(60_000, 0.5);
    run(60_000, 1.5);
    // Six time constants after the change, what is left of the old pace weighs e^-6.
    const afterChange = 30 - 20 * Math.exp(-60_000 / timeConstantMs);
    expect(rate.perSecond()).toBeCloseTo(afterChange, 3);
    now += timeConstantMs;
    expect(rate.perSecond()).toBeCloseTo(afterChange / Math.E, 3);
    now += 20 * timeConstantMs;
    expect(rate.perSecond()).toBeLessThan(1e-6);
  });
});
