import { describe, expect, it } from 'vitest';
import { estimatedStartAt } from './queue-estimate.ts';

describe('queue estimate', () => {
  it('queue estimate: a job n images back waits for n + 1 slots to free', () => {
    expect(estimatedStartAt({ slots: 4, jobMs: 800 }, 0, 1_000)).toBe(1_200);
    expect(estimatedStartAt({ slots: 4, jobMs: 800 }, 3, 1_000)).toBe(1_800);
    expect(estimatedStartAt({ slots: 1, jobMs: 500 }, 2, 0)).toBe(1_500);
  });

  it('queue estimate: a pool without figures counts as one slot at the default job time', () => {
    expect(estimatedStartAt(undefined, 1, 0)).toBe(2_000);
    expect(estimatedStartAt({ slots: 0, jobMs: null }, 0, 0)).toBe(1_000);
  });

  it('queue estimate: a wait the pool stated wins over the guess from its position', () => {
    // Three images ahead on a pool whose average job is 800 ms, but the pool says its slots are
    // held by long images for 5 s.
    expect(estimatedStartAt({ slots: 4, jobMs: 800 }, 3, 1_000, 5_000)).toBe(6_000);
    expect(estimatedStartAt(undefined, 40, 1_000, 12.4)).toBe(1_012);
  });
});
