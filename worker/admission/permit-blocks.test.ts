import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ApiError, type TenantLimits, type Tier } from '../../shared/index.ts';
import { type Admitted, TenantAdmission } from './tenant-admission.ts';
import { LIMIT_WINDOW_MS } from './tenant-limiter.ts';
import { DEFAULT_TIER_LIMITS } from './tier-limits.ts';

/** One isolate's admission, counting its calls to the tenant's real limiter object. */
function isolate(limits: TenantLimits) {
  const counter = { calls: 0 };
  const admission = new TenantAdmission({
    limiterFor: (tenantId) => {
      counter.calls++;
      return env.LIMITS.getByName(`tenant:${tenantId}`);
    },
    tierLimits: { ...DEFAULT_TIER_LIMITS, paid: limits },
    now: Date.now,
  });
  return { admission, counter };
}

const paid = (id: string): { id: string; tier: Tier } => ({ id, tier: 'paid' });

/** Admits one request, or null when a limit refused it (any other error fails the test). */
async function tryAdmit(
  admission: TenantAdmission,
  tenantId: string,
  leaseMs: number | null,
): Promise<Admitted | null> {
  try {
    return await admission.admit(paid(tenantId), 1, leaseMs);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'rate_limited') return null;
    throw error;
  }
}

function remainingRequests(admitted: Admitted): number {
  const match = /"requests";r=(\d+)/.exec(admitted.headers.ratelimit ?? '');
  return Number(match?.[1] ?? Number.NaN);
}

describe('permit blocks (a busy tenant leases its limiter permits ahead)', () => {
  it('a busy tenant mostly needs no limiter call, and its rate limit still holds exactly across isolates', async () => {
    const limits = { requests_per_minute: 400, images_per_minute: 4_000, concurrent_generations: 64 };
    const first = isolate(limits);
    const second = isolate(limits);
    const startedAt = Date.now();
    let admitted = 0;
    let asked = 0;
    for (let round = 0; round < 300; round++) {
      for (const { admission } of [first, second]) {
        asked++;
        if (await tryAdmit(admission, 'busy-rate', null)) admitted++;
      }
    }
    const elapsedMs = Date.now() - startedAt;
    const calls = first.counter.calls + second.counter.calls;
    // The limiter never grants past the quota plus what refilled meanwhile.
    const refilled = Math.ceil((elapsedMs * limits.requests_per_minute) / LIMIT_WINDOW_MS);
    expect(admitted).toBeLessThanOrEqual(limits.requests_per_minute + refilled);
    // What a block may hold back from the other isolate is small: 1% of the rate each.
    expect(admitted).toBeGreaterThanOrEqual(limits.requests_per_minute - 2 * 4);
    // Most requests were served from permits leased with an earlier one.
    expect(calls).toBeLessThan(asked / 2);
  });

  it('a locally served request tells the same remaining quota the limiter would', async () => {
    const limits = { requests_per_minute: 6_000, images_per_minute: 24_000, concurrent_generations: 128 };
    const { admission, counter } = isolate(limits);
    const seen: { remaining: number; at: number }[] = [];
    const startedAt = Date.now();
    for (let request = 0; request < 40; request++) {
      const admitted = await tryAdmit(admission, 'headers-tenant', null);
      expect(admitted).not.toBeNull();
      if (admitted) seen.push({ remaining: remainingRequests(admitted), at: Date.now() - startedAt });
    }
    expect(counter.calls).toBeLessThan(40);
    // Each request takes one from the quota, whether served here or by the limiter; the quota
    // refills meanwhile (100 a second here), so a slow host may see a little more left.
    const first = seen[0]?.remaining ?? 0;
    seen.forEach(({ remaining, at }, index) => {
      const refilled = Math.ceil((at * limits.requests_per_minute) / LIMIT_WINDOW_MS);
      expect(remaining).toBeGreaterThanOrEqual(first - index - 1);
      expect(remaining).toBeLessThanOrEqual(first - index + refilled + 1);
    });
  });

  it('slots leased in blocks never exceed the concurrency limit across isolates, and come back when released', async () => {
    const limits = { requests_per_minute: 60_000, images_per_minute: 240_000, concurrent_generations: 64 };
    const isolates = [isolate(limits), isolate(limits)];
    const held: Admitted[] = [];
    for (let round = 0; round < 60; round++) {
      for (const { admission } of isolates) {
        const admitted = await tryAdmit(admission, 'busy-slots', 60_000);
        if (admitted) held.push(admitted);
      }
    }
    expect(held.length).toBeLessThanOrEqual(limits.concurrent_generations);
    // Near the limit blocks fade out and a slot held here serves this isolate's own requests, so
    // none sit unused in one isolate while the other is refused.
    expect(held.length).toBeGreaterThanOrEqual(limits.concurrent_generations - 2);
    await Promise.all(held.map((admitted) => admitted.release()));
    const fresh = isolate(limits);
    let again = 0;
    for (let request = 0; request < limits.concurrent_generations; request++) {
      if (await tryAdmit(fresh.admission, 'busy-slots', 60_000)) again++;
    }
    expect(again).toBeGreaterThanOrEqual(limits.concurrent_generations - 2);
  });

  it('a burst of simultaneous requests in one isolate is admitted up to the concurrency limit, not short of it', async () => {
    const limits = { requests_per_minute: 60_000, images_per_minute: 240_000, concurrent_generations: 64 };
    const { admission } = isolate(limits);
    // Known here and busy: its next calls ask for permits ahead.
    for (let request = 0; request < 4; request++)
      await (await tryAdmit(admission, 'burst-slots', 60_000))?.release();
    const burst = await Promise.all(
      Array.from({ length: 80 }, () => tryAdmit(admission, 'burst-slots', 60_000)),
    );
    const held = burst.filter((admitted) => admitted !== null);
    // Before, each of the burst's calls brought a lease with spare slots, and only the newest was
    // lent: the others' spares sat held at the limiter, and 34 of the 64 were admitted.
    expect(held.length).toBe(limits.concurrent_generations);
    await Promise.all(held.map((admitted) => admitted.release()));
  });

  it("a tenant's next wave is admitted while its first is in flight, up to the limit", async () => {
    const limits = { requests_per_minute: 60_000, images_per_minute: 240_000, concurrent_generations: 128 };
    const { admission } = isolate(limits);
    for (let request = 0; request < 4; request++)
      await (await tryAdmit(admission, 'wave-slots', 60_000))?.release();
    const wave = () =>
      Promise.all(Array.from({ length: 24 }, () => tryAdmit(admission, 'wave-slots', 60_000)));
    const first = await wave();
    const second = await wave();
    await Promise.all(first.map((admitted) => admitted?.release()));
    const third = await wave();
    const held = [...second, ...third].filter((admitted) => admitted !== null);
    // 48 in flight against 128. Before, the leases of calls answered together sat on spare slots no
    // request could take, and 27 of the 48 were admitted.
    expect(first.every((admitted) => admitted !== null)).toBe(true);
    expect(held.length).toBe(48);
    await Promise.all(held.map((admitted) => admitted.release()));
  });

  it('the limiter credits back permits an isolate leased and did not use', async () => {
    const limiter = env.LIMITS.getByName('tenant:credit-tenant');
    const defaults = { requests_per_minute: 600, images_per_minute: 6_000, concurrent_generations: 8 };
    const spare = { requests: 5, images: 5, slots: 0 };
    const leased = await limiter.acquire({ defaults, images: 1, leaseMs: null, spare });
    expect(leased.ok && leased.spare).toEqual(spare);
    const after = await limiter.acquire({ defaults, images: 1, leaseMs: null });
    const afterAt = Date.now();
    const credited = await limiter.acquire({
      defaults,
      images: 1,
      leaseMs: null,
      returned: { requests: 5, images: 5 },
    });
    // The plain request takes one, the credit gives the five unused back; the quota refills at
    // ten a second meanwhile.
    const refilled = Math.ceil(((Date.now() - afterAt) * defaults.requests_per_minute) / LIMIT_WINDOW_MS);
    expect(credited.remaining.requests - after.remaining.requests).toBeGreaterThanOrEqual(4);
    expect(credited.remaining.requests - after.remaining.requests).toBeLessThanOrEqual(4 + refilled + 1);
    expect(leased.remaining.requests).toBeLessThanOrEqual(defaults.requests_per_minute - 6);
  });

  it('a small limit is never leased ahead: every request asks the limiter', async () => {
    const { admission, counter } = isolate({
      requests_per_minute: 60,
      images_per_minute: 120,
      concurrent_generations: 4,
    });
    for (let request = 0; request < 10; request++) await tryAdmit(admission, 'small-tenant', null);
    expect(counter.calls).toBe(10);
  });
});
