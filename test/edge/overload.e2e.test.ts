import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallRecord, type CallTerms, sendGeneration } from '../../bench/overload/generation-call.ts';
import {
  type OverloadStack,
  type OverloadTenant,
  startOverloadStack,
} from '../../bench/overload/overload-stack.ts';
import { waitForTelemetry } from './edge-stack.ts';

/** The bench's operator settings, but no paid slowdown limit: paid waits, free is shed. */
const SLOWDOWN_LIMITS = { free: 1.2 };
/** Free and paid requests of the burst: several times what three CPU pools run at once here. */
const BURST_PER_TIER = 12;
/** A pause so the paid burst is on the pools (the edge counts its own sends) before free arrives. */
const BETWEEN_BURSTS_MS = 300;
/** The request deadline (the edge's default); a call unanswered past it plus the margin hangs. */
const DEADLINE_MS = 60_000;
const HANG_MARGIN_MS = 10_000;
/** Stack start-up, warm-up and one burst on a busy 2-core host. */
const BURST_LIMIT_MS = 120_000;

let overload: OverloadStack | null = null;
let free: OverloadTenant[] = [];
let paid: OverloadTenant[] = [];
let limited: OverloadTenant | null = null;
let terms: Omit<CallTerms, 'tenant'>;

beforeAll(async () => {
  overload = await startOverloadStack({
    heartbeatIntervalMs: 250,
    telemetryTtlMs: 3_000,
    edgeVars: { TIER_SLOWDOWN_LIMITS: JSON.stringify(SLOWDOWN_LIMITS) },
    poolFlags: [],
  });
  const stack = overload;
  free = [await stack.addTenant('free-1', 'free'), await stack.addTenant('free-2', 'free')];
  paid = [await stack.addTenant('paid-1', 'paid'), await stack.addTenant('paid-2', 'paid')];
  limited = await stack.addTenant('free-limited', 'free');
  await waitForTelemetry(stack.stack);
  terms = {
    edgeUrl: stack.stack.edgeUrl,
    shape: { size: '256x256', steps: 8 },
    deadlineMs: DEADLINE_MS,
    timeoutMs: DEADLINE_MS + HANG_MARGIN_MS,
  };
  // The pools measure their step curve for this size, so predictions are not fallbacks.
  for (const tenant of paid) await sendGeneration({ ...terms, tenant });
}, BURST_LIMIT_MS);

afterAll(async () => {
  await overload?.stop();
});

describe('overload (npm run bench:overload, quick parts)', () => {
  it('admission: a free tenant over its rate limit gets 429 with Retry-After and RateLimit headers', async () => {
    if (!overload || !limited) throw new Error('the stack did not start');
    await overload.setLimits(limited.id, { requests_per_minute: 2 });
    const tenant = limited;
    const calls = [];
    for (let sent = 0; sent < 3; sent += 1) calls.push(await sendGeneration({ ...terms, tenant }));
    const [first, second, third] = calls;
    expect([first?.outcome, second?.outcome]).not.toContain(429);
    // A served call says where its time went (Server-Timing): what the bench splits paid latency by.
    const served = calls.find((call) => call.outcome === 200);
    expect(served?.timing?.poolComputeMs).toBeGreaterThan(0);
    expect(served?.timing?.edgeTotalMs).toBeGreaterThanOrEqual(served?.timing?.poolComputeMs ?? Infinity);
    expect(third).toMatchObject({
      outcome: 429,
      code: 'rate_limited',
      rateLimitHeaders: true,
      badEnvelope: false,
    });
    expect(Number(third?.retryAfter)).toBeGreaterThanOrEqual(1);
  });

  it(
    'shedding: under a burst free requests get 503 with Retry-After while every paid one is served; none hangs',
    async () => {
      // Round-robin over the tier's tenants, BURST_PER_TIER requests in all.
      const send = (tenants: readonly OverloadTenant[]) =>
        Array.from({ length: BURST_PER_TIER / tenants.length }, () => tenants)
          .flat()
          .map((tenant) => sendGeneration({ ...terms, tenant }));
      const paidCalls = send(paid);
      await new Promise((resolve) => setTimeout(resolve, BETWEEN_BURSTS_MS));
      const freeCalls = send(free);
      const [paidRecords, freeRecords] = await Promise.all([Promise.all(paidCalls), Promise.all(freeCalls)]);
      const all = [...paidRecords, ...freeRecords];
      expect(all.filter((record) => typeof record.outcome !== 'number')).toEqual([]);
      expect(all.filter((record) => record.badEnvelope)).toEqual([]);
      expect(paidRecords.map(summary)).toEqual(paidRecords.map(() => '200'));
      const freeRefused = freeRecords.filter((record) => record.outcome !== 200);
      // Shed for want of room; a tenant over its 4 concurrent free generations may be told that.
      expect(freeRefused.map(summary)).toContain('503 no_capacity');
      for (const record of freeRefused) {
        expect(['503 no_capacity', '429 rate_limited']).toContain(summary(record));
        expect(Number(record.retryAfter)).toBeGreaterThanOrEqual(1);
      }
    },
    BURST_LIMIT_MS,
  );
});

function summary(record: CallRecord): string {
  return record.outcome === 200 ? '200' : `${record.outcome} ${record.code}`;
}
