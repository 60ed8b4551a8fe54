import { DurableObject } from 'cloudflare:workers';
import type { StatsDelta } from './stats-delta.ts';
import { createStatsTables, readTotals, readWindow, recordDelta } from './stats-store.ts';
import { type StatsBody, statsBodyOf } from './stats-view.ts';

/**
 * The edge's request stats across isolates. Analytics Engine cannot be read from inside a Worker,
 * so each isolate also counts locally and flushes its deltas here at most about once a second
 * (`StatsRecorder`): per-second window counters for `GET /v1/admin/stats`, kept a few minutes, and
 * monotonic totals for the Prometheus counters of `GET /v1/admin/metrics`. One object for the
 * whole edge: it sees one small write per isolate per second, never one per request.
 *
 * @example
 * await env.STATS.getByName('stats').record(delta);
 * const body = await env.STATS.getByName('stats').stats(60);
 */
export class StatsAggregator extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    createStatsTables(this.sql);
  }

  /** Adds one isolate's counts since its last flush. */
  record(delta: StatsDelta): void {
    recordDelta(this.sql, delta, Date.now());
  }

  /** The last `windowS` seconds across all isolates (contract 2 of issue 16). */
  stats(windowS: number): StatsBody {
    const now = Date.now();
    return statsBodyOf(readWindow(this.sql, now, windowS), windowS, now);
  }

  /** Every monotonic counter since the object was created, by key (`stats-keys.ts`). */
  totals(): Record<string, number> {
    return readTotals(this.sql);
  }
}
