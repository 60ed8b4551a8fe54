import { describe, expect, it } from 'vitest';
import { hedgeDelayMs } from './hedging.ts';
import { lateByPace, PACE_HEDGE_MARGIN, projectedRemainingMs, worthHedging } from './pace-hedge.ts';

describe('pace hedge (a running request judged by its own step events)', () => {
  it('pace: what is left is the steps left at the latest pace, less the time since the latest step', () => {
    expect(projectedRemainingMs({ step: 10, steps: 50, msPerStep: 120, sinceLastStepMs: 30 })).toBe(4_770);
    expect(projectedRemainingMs({ step: 50, steps: 50, msPerStep: 120, sinceLastStepMs: 30 })).toBe(0);
    // A batch that slowed tenfold after the request started shows at once in what is left.
    const before = projectedRemainingMs({ step: 4, steps: 30, msPerStep: 20, sinceLastStepMs: 0 });
    const after = projectedRemainingMs({ step: 4, steps: 30, msPerStep: 200, sinceLastStepMs: 0 });
    expect(after).toBe(10 * before);
  });

  it('pace: late as soon as the pace takes it past its hedge delay, before the clock gets there', () => {
    const predictedMs = 450;
    const afterMs = hedgeDelayMs(predictedMs);
    // 300 ms in, with 4 s left at its pace: late now, though the clock says so only at 900 ms.
    expect(lateByPace({ elapsedMs: 300, projectedRemainingMs: 4_000, predictedMs }, afterMs)).toBe(true);
    // On its way to finish on time.
    expect(lateByPace({ elapsedMs: 300, projectedRemainingMs: 200, predictedMs }, afterMs)).toBe(false);
    expect(lateByPace({ elapsedMs: 899, projectedRemainingMs: 0, predictedMs }, afterMs)).toBe(false);
  });

  it('pace: a copy is worth it only where a fresh pick finishes in under half of what is left', () => {
    const pace = { elapsedMs: 900, projectedRemainingMs: 4_000, predictedMs: 450 };
    expect(worthHedging(pace, 600)).toBe(true);
    expect(worthHedging(pace, PACE_HEDGE_MARGIN * 4_000)).toBe(false);
    // About to finish: no alternative is worth a copy, the budget waits for one that needs it.
    expect(worthHedging({ ...pace, projectedRemainingMs: 100 }, 60)).toBe(false);
  });
});
