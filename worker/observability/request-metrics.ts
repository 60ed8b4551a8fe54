import { DURATION_BUCKETS_S } from './latency-bins.ts';
import type { HistogramSample, MetricFamily, Sample } from './prometheus-text.ts';
import * as keys from './stats-keys.ts';

/** The request counters and latency histogram, from the aggregator's monotonic totals. */
export function requestFamilies(totals: Readonly<Record<string, number>>): MetricFamily[] {
  const requests: Sample[] = [];
  const attempts: Sample[] = [];
  const hedged: Sample[] = [];
  const admissions: Sample[] = [];
  const durations = new Map<string, { buckets: number[]; sum: number; count: number }>();
  const durationOf = (route: string) => {
    let entry = durations.get(route);
    if (!entry) {
      entry = { buckets: DURATION_BUCKETS_S.map(() => 0), sum: 0, count: 0 };
      durations.set(route, entry);
    }
    return entry;
  };
  for (const [key, value] of Object.entries(totals)) {
    const parsed = keys.parseStatsKey(key);
    if (!parsed) continue;
    const [a = '', b = '', c = '', d = '', e = ''] = parsed.labels;
    switch (parsed.name) {
      case keys.REQUESTS:
        requests.push({ labels: { route: a, tier: b, status: c, code: d, pool: e }, value });
        break;
      case keys.ATTEMPTS:
        attempts.push({ labels: { pool: a, provider: b, outcome: c }, value });
        break;
      case keys.HEDGED:
        hedged.push({ labels: { pool: a, provider: b }, value });
        break;
      case keys.ADMISSIONS:
        admissions.push({ labels: { tier: a, source: b }, value });
        break;
      case keys.DURATION_BUCKET: {
        const index = Number(b);
        const entry = durationOf(a);
        if (index < entry.buckets.length) entry.buckets[index] = (entry.buckets[index] ?? 0) + value;
        break;
      }
      case keys.DURATION_SUM:
        durationOf(a).sum += value / 1000;
        break;
      case keys.DURATION_COUNT:
        durationOf(a).count += value;
        break;
    }
  }
  const histograms: HistogramSample[] = [...durations].map(([route, entry]) => {
    let cumulative = 0;
    return {
      labels: { route },
      buckets: DURATION_BUCKETS_S.map((le, index) => {
        cumulative += entry.buckets[index] ?? 0;
        return { le, count: cumulative };
      }),
      sum: entry.sum,
      count: entry.count,
    };
  });
  return [
    {
      name: 'spillway_requests_total',
      help: 'Generations, job submissions and job dispatches by route, tier, status, error code and pool.',
      type: 'counter',
      samples: requests,
    },
    {
      name: 'spillway_request_duration_seconds',
      help: 'Time from arrival to answer (job dispatches: from claim to outcome).',
      type: 'histogram',
      samples: histograms,
    },
    {
      name: 'spillway_pool_attempts_total',
      help: 'Pool calls by pool, provider and outcome (ok, refused, failed, hedge_lost, …).',
      type: 'counter',
      samples: attempts,
    },
    {
      name: 'spillway_hedged_requests_total',
      help: 'Requests that sent a hedged copy, by the pool that answered.',
      type: 'counter',
      samples: hedged,
    },
    {
      name: 'spillway_admissions_total',
      help: 'Admitted requests by tier and how their limits were checked: limiter (a Durable Object call), held (permits the isolate leased ahead) or unchecked (limiter unreachable).',
      type: 'counter',
      samples: admissions,
    },
  ];
}
