import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { requestFamilies } from './request-metrics.ts';
import { StatsDeltaBuilder } from './stats-delta.ts';
import * as keys from './stats-keys.ts';
import { StatsRecorder } from './stats-recorder.ts';
import { createStatsTables, readTotals, readWindow, recordDelta, STATS_RETENTION_S } from './stats-store.ts';
import { statsBodyOf } from './stats-view.ts';
import { requestEvent } from './testing/request-events.ts';

const T0 = 1_700_000_000_000;
const WINDOW_S = 60;

/** Runs `body` against the SQL storage of a fresh aggregator object. */
async function withStore<T>(name: string, body: (sql: SqlStorage) => T): Promise<T> {
  const stub = env.STATS.getByName(name);
  return runInDurableObject(stub, (_instance, state) => {
    createStatsTables(state.storage.sql);
    return body(state.storage.sql);
  });
}

function deltaOf(...events: ReturnType<typeof requestEvent>[]) {
  const builder = new StatsDeltaBuilder();
  for (const event of events) builder.add(event);
  const delta = builder.take();
  if (!delta) throw new Error('nothing counted');
  return delta;
}

describe('stats aggregation: isolates’ deltas summed per second across flushes', () => {
  it('stats: two isolates’ flushes add up by tier, error code, pool and latency', async () => {
    const body = await withStore('sum-across-flushes', (sql) => {
      // Isolate one: two served requests and one shed.
      recordDelta(
        sql,
        deltaOf(
          requestEvent({ at: T0, latencyMs: 100 }),
          requestEvent({ at: T0 + 10, latencyMs: 200, poolId: 'pool-b', providerId: 'provider-b' }),
          requestEvent({
            at: T0 + 20,
            status: 503,
            code: 'no_capacity',
            poolId: null,
            providerId: null,
            attempts: [],
          }),
        ),
        T0 + 1_000,
      );
      // Isolate two, a second later: a hedged request, a free-tier error, a job dispatch.
      recordDelta(
        sql,
        deltaOf(
          requestEvent({ at: T0 + 1_000, hedged: true, latencyMs: 300, requestId: 'req-hedged' }),
          requestEvent({
            at: T0 + 1_100,
            tier: 'free',
            status: 502,
            code: 'upstream_failed',
            requestId: 'req-err',
          }),
          requestEvent({ at: T0 + 1_200, route: 'job_dispatch', requestId: 'job-1' }),
        ),
        T0 + 2_000,
      );
      return statsBodyOf(readWindow(sql, T0 + 2_000, WINDOW_S), WINDOW_S, T0 + 2_000);
    });
    expect(body.window_s).toBe(WINDOW_S);
    expect(body.requests_by_tier).toEqual({
      paid: { requests: 4, ok: 3, shed: 1, errors: 0 },
      free: { requests: 1, ok: 0, shed: 0, errors: 1 },
    });
    expect(body.errors_by_type).toEqual({ no_capacity: 1, upstream_failed: 1 });
    expect(body.routing).toEqual([
      { pool_id: 'pool-a', provider_id: 'provider-a', requests: 4, hedged: 1 },
      { pool_id: 'pool-b', provider_id: 'provider-b', requests: 1, hedged: 0 },
    ]);
    expect(body.latency_ms.p50).toBeGreaterThanOrEqual(100);
    expect(body.latency_ms.p50).toBeLessThanOrEqual(110);
    expect(body.latency_ms.p99).toBeGreaterThanOrEqual(300);
    expect(body.latency_ms.p99).toBeLessThanOrEqual(330);
    expect(body.recent_errors.map((error) => error.request_id)).toEqual(['req-err', 'req-1']);
    expect(body.recent_errors[0]).toEqual({
      at: T0 + 1_100,
      request_id: 'req-err',
      code: 'upstream_failed',
      status: 502,
      pool_id: 'pool-a',
    });
  });

  it('metrics: admitted requests counted by tier and by how their limits were checked', () => {
    const delta = deltaOf(
      requestEvent({ admission: 'limiter' }),
      requestEvent({ admission: 'held' }),
      requestEvent({ admission: 'held' }),
      requestEvent({ tier: 'free', admission: 'limiter' }),
      // Refused before admission (shed for capacity): no admission to count.
      requestEvent({ status: 503, code: 'no_capacity' }),
    );
    const family = requestFamilies(delta.totals).find((entry) => entry.name === 'spillway_admissions_total');
    const samples = family?.type === 'counter' ? family.samples : [];
    const count = (tier: string, source: string) =>
      samples.find((sample) => sample.labels?.tier === tier && sample.labels?.source === source)?.value;
    expect(count('paid', 'limiter')).toBe(1);
    expect(count('paid', 'held')).toBe(2);
    expect(count('free', 'limiter')).toBe(1);
    expect(samples).toHaveLength(3);
  });

  it('stats: counts leave the window after window_s and are dropped after the retention', async () => {
    const result = await withStore('bucket-expiry', (sql) => {
      recordDelta(sql, deltaOf(requestEvent({ at: T0 })), T0);
      recordDelta(sql, deltaOf(requestEvent({ at: T0 + 30_000, tier: 'free' })), T0 + 30_000);
      const inWindow = statsBodyOf(readWindow(sql, T0 + 59_000, WINDOW_S), WINDOW_S, 0);
      const firstExpired = statsBodyOf(readWindow(sql, T0 + 61_000, WINDOW_S), WINDOW_S, 0);
      const allExpired = statsBodyOf(readWindow(sql, T0 + 91_000, WINDOW_S), WINDOW_S, 0);
      // A flush long after: the old seconds go from storage, the totals stay.
      recordDelta(sql, deltaOf(requestEvent({ at: T0 + 400_000 })), T0 + (STATS_RETENTION_S + 100) * 1_000);
      const stored = sql
        .exec<{ seconds: number }>('SELECT COUNT(DISTINCT second) AS seconds FROM window_counts')
        .one().seconds;
      return { inWindow, firstExpired, allExpired, stored, totals: readTotals(sql) };
    });
    expect(Object.keys(result.inWindow.requests_by_tier).sort()).toEqual(['free', 'paid']);
    expect(result.firstExpired.requests_by_tier).toEqual({
      free: { requests: 1, ok: 1, shed: 0, errors: 0 },
    });
    expect(result.allExpired.requests_by_tier).toEqual({});
    expect(result.allExpired.latency_ms).toEqual({ p50: null, p99: null });
    expect(result.stored).toBe(1);
    const requests = Object.entries(result.totals)
      .filter(([key]) => keys.parseStatsKey(key)?.name === keys.REQUESTS)
      .reduce((sum, [, value]) => sum + value, 0);
    expect(requests).toBe(3);
  });

  it('stats: keeps only the 20 newest errors, newest first', async () => {
    const errors = await withStore('recent-errors', (sql) => {
      for (let batch = 0; batch < 3; batch++) {
        const events = Array.from({ length: 10 }, (_, index) =>
          requestEvent({
            at: T0 + batch * 100 + index,
            status: 502,
            code: 'upstream_failed',
            requestId: `e${batch * 10 + index}`,
          }),
        );
        recordDelta(sql, deltaOf(...events), T0 + 1_000);
      }
      return readWindow(sql, T0 + 1_000, WINDOW_S).errors;
    });
    expect(errors).toHaveLength(20);
    expect(errors[0]?.request_id).toBe('e29');
    expect(errors.at(-1)?.request_id).toBe('e10');
  });
});

describe('stats recorder: flushes at most once per interval, never on the request’s path', () => {
  it('recorder: flushes when due, and holds later counts until the interval has passed', async () => {
    const sent: Array<{ totals: Record<string, number> }> = [];
    let now = T0;
    const recorder = new StatsRecorder({
      send: async (delta) => {
        sent.push({ totals: { ...delta.totals } });
      },
      now: () => now,
    });
    const scheduled: Promise<unknown>[] = [];
    const waitUntil = (promise: Promise<unknown>) => scheduled.push(promise);
    recorder.flushIfDue(waitUntil);
    expect(scheduled).toHaveLength(0);
    recorder.record(requestEvent({ requestId: 'a' }));
    recorder.flushIfDue(waitUntil);
    expect(scheduled).toHaveLength(1);
    await Promise.all(scheduled);
    expect(sent).toHaveLength(1);
    // Within the interval: counted, not sent.
    now += 400;
    recorder.record(requestEvent({ requestId: 'b' }));
    recorder.flushIfDue(waitUntil);
    now += 500;
    recorder.record(requestEvent({ requestId: 'c' }));
    recorder.flushIfDue(waitUntil);
    expect(scheduled).toHaveLength(1);
    // The first request after it carries both.
    now += 100;
    recorder.flushIfDue(waitUntil);
    expect(scheduled).toHaveLength(2);
    await Promise.all(scheduled);
    expect(sent).toHaveLength(2);
    const counted = Object.entries(sent[1]?.totals ?? {})
      .filter(([key]) => keys.parseStatsKey(key)?.name === keys.DURATION_COUNT)
      .reduce((sum, [, value]) => sum + value, 0);
    expect(counted).toBe(2);
  });

  it('recorder: a failed send keeps its counts for the next flush', async () => {
    const sent: Array<{ errors: readonly unknown[] }> = [];
    let fail = true;
    const recorder = new StatsRecorder({
      send: async (delta) => {
        if (fail) throw new Error('aggregator unreachable');
        sent.push(delta);
      },
      now: () => T0,
    });
    recorder.record(requestEvent({ status: 502, code: 'upstream_failed' }));
    await recorder.flush();
    expect(sent).toHaveLength(0);
    fail = false;
    await recorder.flush();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.errors).toHaveLength(1);
  });

  it('recorder: flushes to the real aggregator, which answers the stats', async () => {
    const name = 'recorder-to-object';
    const recorder = new StatsRecorder({
      send: (delta) => env.STATS.getByName(name).record(delta),
      now: Date.now,
    });
    recorder.record(requestEvent({ at: Date.now(), tier: 'enterprise' }));
    await recorder.flush();
    const stats = await env.STATS.getByName(name).stats(WINDOW_S);
    expect(stats.requests_by_tier.enterprise).toEqual({ requests: 1, ok: 1, shed: 0, errors: 0 });
  });
});
