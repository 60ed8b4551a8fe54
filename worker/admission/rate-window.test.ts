import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gcra, rescaledTat } from './rate-window.ts';

const WINDOW_MS = 60_000;

describe('rate window (GCRA)', () => {
  it('rate window: a burst takes the whole quota at once, then one more fits per interval', () => {
    let tat = 0;
    const now = 1_000_000;
    for (let sent = 0; sent < 6; sent += 1) {
      const check = gcra(tat, now, 1, 6, WINDOW_MS);
      expect(check.allowed).toBe(true);
      expect(check.remaining).toBe(5 - sent);
      tat = check.tat;
    }
    const refused = gcra(tat, now, 1, 6, WINDOW_MS);
    expect([refused.allowed, refused.retryAfterMs, refused.remaining]).toEqual([false, 10_000, 0]);
    expect(gcra(tat, now + 10_000, 1, 6, WINDOW_MS).allowed).toBe(true);
  });

  it('rate window: a request costing more than the whole quota is never allowed, and no wait is promised', () => {
    const check = gcra(0, 5_000, 11, 10, WINDOW_MS);
    expect([check.allowed, check.retryAfterMs, check.tat]).toEqual([false, null, 0]);
  });

  it('rate window: a changed limit keeps the units used, not the time offset', () => {
    const now = 1_000_000;
    const spend = (limit: number, units: number) => gcra(0, now, units, limit, WINDOW_MS).tat;
    // 6 of 6 used, raised to 60: 54 left (the offset alone, a minute at 60, would leave none).
    expect(gcra(rescaledTat(spend(6, 6), now, 6, 60, WINDOW_MS), now, 1, 60, WINDOW_MS).remaining).toBe(53);
    // 3 of 60 used, lowered to 6: 3 left.
    expect(gcra(rescaledTat(spend(60, 3), now, 60, 6, WINDOW_MS), now, 1, 6, WINDOW_MS).remaining).toBe(2);
    // 30 of 60 used, lowered to 6: empty, and whole again one window later, not five.
    const lowered = rescaledTat(spend(60, 30), now, 60, 6, WINDOW_MS);
    expect(gcra(lowered, now, 1, 6, WINDOW_MS)).toMatchObject({ allowed: false, retryAfterMs: 10_000 });
    expect(lowered - now).toBe(WINDOW_MS);
  });

  it('rate window: nothing gets through beyond a full bucket plus what refilled meanwhile', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000 }), fc.integer({ min: 1, max: 4 })), {
          maxLength: 200,
        }),
        (limit, arrivals) => {
          let tat = 0;
          let now = 0;
          const admitted: Array<[number, number]> = [];
          for (const [gap, cost] of arrivals) {
            now += gap;
            const check = gcra(tat, now, cost, limit, WINDOW_MS);
            if (check.allowed) {
              tat = check.tat;
              admitted.push([now, cost]);
            } else if (cost > limit) expect(check.retryAfterMs).toBeNull();
            else expect(check.retryAfterMs).toBeGreaterThan(0);
          }
          // Token bucket: over any span, at most the quota plus the span's refill (quota per window).
          for (const [start] of admitted) {
            for (const [end] of admitted.filter(([at]) => at >= start)) {
              const spanned = admitted.filter(([at]) => at >= start && at <= end);
              const cost = spanned.reduce((sum, [, each]) => sum + each, 0);
              expect(cost).toBeLessThanOrEqual(limit + ((end - start) * limit) / WINDOW_MS + 1e-9);
            }
          }
        },
      ),
    );
  });
});
