import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_TIER_LIMITS } from './tier-limits.ts';

type Limiter = ReturnType<typeof freshLimiter>;
type SavedState = { requestsTat: number; leases: unknown[] };

/**
 * Waits until the limiter has written what it holds now (it writes within a second of a change),
 * then evicts it, as the local workerd does an object idle for ~10 s.
 */
async function evictOnceSaved(limiter: Limiter, saved: (state: SavedState) => boolean) {
  await vi.waitFor(
    async () => {
      const state = await runInDurableObject(limiter, (_instance, storage) =>
        storage.storage.kv.get<SavedState>('state'),
      );
      expect(state !== undefined && saved(state)).toBe(true);
    },
    { timeout: 20_000, interval: 100 },
  );
  await evictDurableObject(limiter);
}

/** A limiter of its own: storage is shared by every test in this file. */
function freshLimiter() {
  return env.LIMITS.getByName(`tenant:limiter-test-${crypto.randomUUID()}`);
}

const defaults = { ...DEFAULT_TIER_LIMITS.free, requests_per_minute: 2, concurrent_generations: 1 };

describe('tenant limiter', () => {
  it('limiter: an evicted limiter still knows the quota spent', async () => {
    const limiter = freshLimiter();
    expect((await limiter.acquire({ defaults, images: 1, leaseMs: null })).ok).toBe(true);
    expect((await limiter.acquire({ defaults, images: 1, leaseMs: null })).ok).toBe(true);
    // The local workerd evicts an idle object within seconds; the rate has not refilled by then.
    // Both requests written: at two a minute, the schedule is a minute ahead (one alone: 30 s).
    await evictOnceSaved(limiter, (state) => state.requestsTat - Date.now() > 40_000);
    const refused = await limiter.acquire({ defaults, images: 1, leaseMs: null });
    expect(refused).toMatchObject({ ok: false, limit: 'requests', remaining: { requests: 0 } });
  });

  it('limiter: a refusal reports every quota as it was, since it takes none of them', async () => {
    const limiter = freshLimiter();
    const limits = { ...defaults, requests_per_minute: 3, images_per_minute: 4 };
    const first = await limiter.acquire({ defaults: limits, images: 1, leaseMs: null });
    expect(first).toMatchObject({ ok: true, remaining: { requests: 2, images: 3 } });
    // Larger than the images limit: refused for good, and it takes no request either.
    const tooLarge = await limiter.acquire({ defaults: limits, images: 5, leaseMs: null });
    expect(tooLarge).toMatchObject({ ok: false, limit: 'images', remaining: { requests: 2, images: 3 } });
    // Refused on images: the request it did not take is still there.
    const overImages = await limiter.acquire({ defaults: limits, images: 4, leaseMs: null });
    expect(overImages).toMatchObject({ ok: false, limit: 'images', remaining: { requests: 2, images: 3 } });
    expect(await limiter.acquire({ defaults: limits, images: 1, leaseMs: null })).toMatchObject({
      ok: true,
      remaining: { requests: 1, images: 2 },
    });
    await limiter.acquire({ defaults: limits, images: 1, leaseMs: null });
    // Refused on requests: the images it did not take are still there.
    const overRequests = await limiter.acquire({ defaults: limits, images: 1, leaseMs: null });
    expect(overRequests).toMatchObject({
      ok: false,
      limit: 'requests',
      remaining: { requests: 0, images: 1 },
    });
  });

  it('limiter: a changed limit keeps what the tenant used, in units, not the time it spans', async () => {
    const ask = (requestsPerMinute: number) => ({
      defaults: { ...defaults, requests_per_minute: requestsPerMinute },
      images: 1,
      leaseMs: null,
    });
    const raised = freshLimiter();
    for (let sent = 0; sent < 6; sent += 1) expect((await raised.acquire(ask(6))).ok).toBe(true);
    expect(await raised.acquire(ask(6))).toMatchObject({ ok: false, limit: 'requests' });
    await raised.setOverrides({ requests_per_minute: 60 });
    // 6 of 60 used, and this one: 53 left. Before, the schedule's minute ahead read as 60 used.
    const afterRaise = await raised.acquire(ask(6));
    expect(afterRaise.ok).toBe(true);
    expect(afterRaise.remaining.requests).toBeGreaterThanOrEqual(53);
    expect(afterRaise.remaining.requests).toBeLessThanOrEqual(54);

    const lowered = freshLimiter();
    for (let sent = 0; sent < 3; sent += 1) expect((await lowered.acquire(ask(60))).ok).toBe(true);
    await lowered.setOverrides({ requests_per_minute: 6 });
    // 3 of 6 used: three more, then refused. Before, 3 s ahead at 6 a minute read as none used.
    for (const left of [2, 1, 0]) {
      expect(await lowered.acquire(ask(60))).toMatchObject({ ok: true, remaining: { requests: left } });
    }
    expect(await lowered.acquire(ask(60))).toMatchObject({ ok: false, limit: 'requests' });
  });

  it('limiter: an evicted limiter still knows the slots held, and those released', async () => {
    const limiter = freshLimiter();
    const roomy = { ...defaults, requests_per_minute: 100 };
    const first = await limiter.acquire({ defaults: roomy, images: 1, leaseMs: 60_000 });
    if (!first.ok || first.leaseId === null) throw new Error('the first request held no slot');
    await evictOnceSaved(limiter, (state) => state.leases.length === 1);
    // A generation ends its slot, not an eviction.
    expect(await limiter.acquire({ defaults: roomy, images: 1, leaseMs: 60_000 })).toMatchObject({
      ok: false,
      limit: 'concurrency',
    });
    await limiter.release(first.leaseId);
    await evictOnceSaved(limiter, (state) => state.leases.length === 0);
    expect((await limiter.acquire({ defaults: roomy, images: 1, leaseMs: 60_000 })).ok).toBe(true);
  });
});
