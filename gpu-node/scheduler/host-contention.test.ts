import { describe, expect, it } from 'vitest';
import { HostContention, IDLE_CONTENTION_HALF_LIFE_MS } from './host-contention.ts';

describe('HostContention', () => {
  it('host contention: 1 before any step, and for steps that never waited for a CPU', () => {
    const contention = new HostContention(() => 0);
    expect(contention.factor()).toBe(1);
    contention.record(20, 20);
    contention.record(35, 35);
    expect(contention.factor()).toBe(1);
  });

  it('host contention: wall time over own time, weighted by step time', () => {
    const contention = new HostContention(() => 0);
    // 300 ms of wall time for 100 of its own, then a short uncontended step.
    contention.record(300, 100);
    contention.record(10, 10);
    const factor = contention.factor();
    expect(factor).toBeGreaterThan(2.5);
    expect(factor).toBeLessThan(3);
  });

  it('host contention: newer steps take over from older ones within a few hundred ms of stepping', () => {
    const contention = new HostContention(() => 0);
    contention.record(400, 100);
    for (let step = 0; step < 100; step++) contention.record(20, 20);
    expect(contention.factor()).toBeLessThan(1.05);
  });

  it('host contention: fades towards 1 while the pool does not step', () => {
    let now = 0;
    const contention = new HostContention(() => now);
    contention.record(90, 30);
    expect(contention.factor()).toBeCloseTo(3, 6);
    now = IDLE_CONTENTION_HALF_LIFE_MS;
    expect(contention.factor()).toBeCloseTo(2, 6);
    now = 10 * IDLE_CONTENTION_HALF_LIFE_MS;
    expect(contention.factor()).toBeLessThan(1.01);
  });

  it('host contention: ignores steps whose own time is missing, zero or above their wall time', () => {
    const contention = new HostContention(() => 0);
    contention.record(50, 0);
    contention.record(50, 80);
    contention.record(Number.NaN, 10);
    expect(contention.factor()).toBe(1);
  });
});
