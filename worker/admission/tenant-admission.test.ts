import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../shared/index.ts';
import type { AdmissionVerdict, LimitUsage } from './admission-verdict.ts';
import { TenantAdmission } from './tenant-admission.ts';
import type { AdmissionAsk, TenantLimiter } from './tenant-limiter.ts';
import { DEFAULT_TIER_LIMITS } from './tier-limits.ts';

const usage: LimitUsage = {
  limits: DEFAULT_TIER_LIMITS.paid,
  remaining: { requests: 10, images: 10, concurrency: 10 },
  resetMs: { requests: 0, images: 0 },
};

/**
 * A tenant limiter that answers from a script: each `acquire` takes the next verdict, after its
 * delay; `release` records the leases it was given back.
 */
function scriptedLimiter(script: ReadonlyArray<{ verdict: AdmissionVerdict; delayMs: number }>) {
  const released: string[] = [];
  let call = 0;
  const limiter = {
    acquire: async (_ask: AdmissionAsk, releasedNow: readonly string[] = []) => {
      released.push(...releasedNow);
      const next = script[call++];
      if (!next) throw new Error('unscripted limiter call');
      if (next.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, next.delayMs));
      return next.verdict;
    },
    release: async (leaseIds: string | readonly string[]) => {
      released.push(...(typeof leaseIds === 'string' ? [leaseIds] : leaseIds));
    },
  };
  return { limiter: limiter as unknown as DurableObjectStub<TenantLimiter>, released };
}

describe('tenant admission', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a request refused by its limiter gives back the shared slot it reserved: the lease is released once idle', async () => {
    vi.useFakeTimers();
    const { limiter, released } = scriptedLimiter([
      // The first request is granted its slot and one spare: a lease of two, shared.
      {
        verdict: { ok: true, ...usage, leaseId: 'shared-lease', spare: { requests: 0, images: 0, slots: 1 } },
        delayMs: 0,
      },
      // The second takes the spare slot here, but its rate is over the limit; the answer is slow,
      // so the first request's idle watch sees the slot in use and leaves the lease to it.
      { verdict: { ok: false, ...usage, limit: 'requests', retryAfterMs: 1_000 }, delayMs: 400 },
    ]);
    const admission = new TenantAdmission({
      limiterFor: () => limiter,
      tierLimits: DEFAULT_TIER_LIMITS,
      now: Date.now,
    });
    const kept: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>) => {
      kept.push(promise);
    };
    const tenant = { id: 'busy', tier: 'paid' as const };
    const first = await admission.admit(tenant, 1, 60_000, waitUntil);
    const firstEnded = first.release();
    await vi.advanceTimersByTimeAsync(10);
    // A shorter deadline than the first's, so the second fits in the shared lease.
    const second = admission.admit(tenant, 1, 30_000, waitUntil).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(500);
    const refusal = await second;
    expect(refusal instanceof ApiError && refusal.code).toBe('rate_limited');
    expect(released).toEqual([]);
    // Nobody uses the lease any more: it goes back to the limiter, not at its expiry.
    await vi.advanceTimersByTimeAsync(2_000);
    await Promise.all([firstEnded, ...kept]);
    expect(released).toEqual(['shared-lease']);
  });
});
