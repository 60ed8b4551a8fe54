import { quantileOfBins } from './latency-bins.ts';
import type { RecentError } from './stats-delta.ts';
import * as keys from './stats-keys.ts';
import type { WindowRead } from './stats-store.ts';

/** One tier's edge requests in the window. */
export interface TierCounts {
  requests: number;
  ok: number;
  shed: number;
  errors: number;
}

/** One pool's share of the routing decisions in the window. */
export interface RoutingCounts {
  readonly pool_id: string;
  readonly provider_id: string;
  requests: number;
  hedged: number;
}

/** The body of `GET /v1/admin/stats` (contract 2 of issue 16). */
export interface StatsBody {
  readonly window_s: number;
  readonly generated_at: number;
  readonly requests_by_tier: Record<string, TierCounts>;
  readonly errors_by_type: Record<string, number>;
  readonly routing: RoutingCounts[];
  readonly latency_ms: { readonly p50: number | null; readonly p99: number | null };
  readonly recent_errors: readonly RecentError[];
}

/** Turns the window's summed counters into the stats body. */
export function statsBodyOf(read: WindowRead, windowS: number, generatedAt: number): StatsBody {
  const tiers: Record<string, TierCounts> = {};
  const errors: Record<string, number> = {};
  const routes = new Map<string, RoutingCounts>();
  const latency = new Map<number, number>();
  const routeOf = (pool: string, provider: string) => {
    const id = JSON.stringify([pool, provider]);
    let entry = routes.get(id);
    if (!entry) {
      entry = { pool_id: pool, provider_id: provider, requests: 0, hedged: 0 };
      routes.set(id, entry);
    }
    return entry;
  };
  for (const [key, value] of read.counts) {
    const parsed = keys.parseStatsKey(key);
    if (!parsed) continue;
    const [first = '', second = ''] = parsed.labels;
    switch (parsed.name) {
      case keys.TIER: {
        const counts = tiers[first] ?? { requests: 0, ok: 0, shed: 0, errors: 0 };
        tiers[first] = counts;
        counts.requests += value;
        if (second === 'ok') counts.ok += value;
        else if (second === 'shed') counts.shed += value;
        // A request its client canceled is neither served nor refused nor failed.
        else if (second !== 'canceled') counts.errors += value;
        break;
      }
      case keys.ERROR:
        errors[first] = (errors[first] ?? 0) + value;
        break;
      case keys.ROUTE:
        routeOf(first, second).requests += value;
        break;
      case keys.HEDGED:
        routeOf(first, second).hedged += value;
        break;
      case keys.LATENCY:
        latency.set(Number(first), value);
        break;
    }
  }
  return {
    window_s: windowS,
    generated_at: generatedAt,
    requests_by_tier: tiers,
    errors_by_type: errors,
    routing: [...routes.values()].sort(
      (a, b) => b.requests - a.requests || a.pool_id.localeCompare(b.pool_id),
    ),
    latency_ms: { p50: quantileOfBins(latency, 0.5), p99: quantileOfBins(latency, 0.99) },
    recent_errors: read.errors,
  };
}
