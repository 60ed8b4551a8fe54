import { describe, expect, it } from 'vitest';
import { findStalls, STALL_GAP_MS, stallIntervals } from './stall-trace.ts';

describe('stall trace', () => {
  it('stall trace: counts gaps between completions of at least the stall gap, the first one included', () => {
    const window = {
      startedAt: 0,
      endedAt: 1000,
      completions: [STALL_GAP_MS, 60, 61, 61 + STALL_GAP_MS + 10],
    };
    expect(stallIntervals(window)).toEqual([
      [0, STALL_GAP_MS],
      [61, 61 + STALL_GAP_MS + 10],
    ]);
  });

  it('stall trace: sums stalls over windows and reports them per second of load', () => {
    const summary = findStalls([
      { startedAt: 0, endedAt: 1000, completions: [1, 2, 200] },
      { startedAt: 5000, endedAt: 6000, completions: [5001, 5002] },
    ]);
    expect(summary).toEqual({ count: 1, window_s: 2, per_s: 0.5, total_ms: 198, longest_ms: 198 });
  });

  it('stall trace: a steady stream of completions has no stall', () => {
    const completions = Array.from({ length: 500 }, (_, index) => index * 2 + 1);
    expect(findStalls([{ startedAt: 0, endedAt: 1000, completions }]).count).toBe(0);
  });
});
