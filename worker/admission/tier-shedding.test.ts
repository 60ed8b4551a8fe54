import { describe, expect, it } from 'vitest';
import { shedDecision } from './tier-shedding.ts';

const limits = { free: 1.2, paid: 1.5 };
const at = (tier: 'free' | 'paid' | 'enterprise', predictedMs: number, remainingMs = 60_000) =>
  shedDecision({ tier, predictedMs, unloadedMs: 1_000, remainingMs, slowdownLimits: limits });

describe('tier shedding', () => {
  it('shedding: as the fleet fills, free is refused first, then paid; enterprise only at its deadline', () => {
    expect([at('free', 1_100), at('paid', 1_100), at('enterprise', 1_100)]).toEqual([null, null, null]);
    expect(at('free', 1_400)).toEqual({ reason: 'tier', retryAfterSeconds: 1, maxWaitMs: 150 });
    expect(at('paid', 1_400)).toBeNull();
    expect(at('paid', 4_500)).toEqual({ reason: 'tier', retryAfterSeconds: 3, maxWaitMs: 375 });
    expect(at('enterprise', 40_000)).toBeNull();
  });

  it('shedding: Retry-After is the time the work ahead needs to drain, not a constant', () => {
    expect(at('free', 11_200)?.retryAfterSeconds).toBe(10);
    expect(at('free', 31_200)?.retryAfterSeconds).toBe(30);
  });

  it('shedding: a request that could not start before its deadline is refused in any tier', () => {
    expect(at('enterprise', 12_000, 5_000)).toEqual({
      reason: 'deadline',
      retryAfterSeconds: 6,
      maxWaitMs: 0,
    });
    // Starting in time is enough, even when finishing would not be: the pool enforces the deadline.
    expect(at('enterprise', 5_500, 5_000)).toBeNull();
  });

  it('shedding: time waited at the edge counts against the limit and shortens the wait left', () => {
    const waited = (waitedMs: number, predictedMs = 1_000) =>
      shedDecision({
        tier: 'free',
        predictedMs,
        unloadedMs: 1_000,
        remainingMs: 60_000,
        slowdownLimits: limits,
        waitedMs,
      });
    // An idle pool after a short wait: within 1.2x.
    expect(waited(100)).toBeNull();
    // The same pool after waiting past the slack: over the limit, and no wait left.
    expect(waited(250)).toMatchObject({ reason: 'tier', maxWaitMs: 0 });
    expect(waited(100, 1_400)).toMatchObject({ reason: 'tier', maxWaitMs: 50 });
  });
});
