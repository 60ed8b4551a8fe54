import type { Tier } from '../../shared/index.ts';
import type { CallRecord } from './generation-call.ts';

/** Refusals of one kind: a status and envelope code, with how their `Retry-After` read. */
export interface RefusalKind {
  readonly tier: Tier;
  readonly status: number | 'hung' | 'transport';
  readonly code: string | null;
  readonly count: number;
  readonly with_retry_after: number;
  /** Only for 429s: how many carried `RateLimit` and `RateLimit-Policy`. */
  readonly with_ratelimit_headers: number;
  /** `Retry-After` value (seconds, as sent) to count. */
  readonly retry_after_values: Record<string, number>;
}

/** Every call that did not answer 200, grouped by tier, status and code. */
export function refusalKinds(records: readonly CallRecord[]): RefusalKind[] {
  const kinds = new Map<string, RefusalKind>();
  for (const record of records) {
    if (record.outcome === 200) continue;
    const key = `${record.tier} ${record.outcome} ${record.code}`;
    const kind = kinds.get(key) ?? {
      tier: record.tier,
      status: record.outcome,
      code: record.code,
      count: 0,
      with_retry_after: 0,
      with_ratelimit_headers: 0,
      retry_after_values: {},
    };
    const values = { ...kind.retry_after_values };
    if (record.retryAfter !== null) values[record.retryAfter] = (values[record.retryAfter] ?? 0) + 1;
    kinds.set(key, {
      ...kind,
      count: kind.count + 1,
      with_retry_after: kind.with_retry_after + (record.retryAfter === null ? 0 : 1),
      with_ratelimit_headers:
        kind.with_ratelimit_headers + (record.outcome === 429 && record.rateLimitHeaders ? 1 : 0),
      retry_after_values: values,
    });
  }
  return [...kinds.values()].sort((left, right) => right.count - left.count);
}

/**
 * Whether a refusal told the client when to come back as the issue asks: 429 or 503, with a
 * `Retry-After` of whole seconds.
 */
export function refusedWithRetryAfter(record: CallRecord): boolean {
  return (
    (record.outcome === 429 || record.outcome === 503) &&
    record.retryAfter !== null &&
    /^\d+$/.test(record.retryAfter)
  );
}

/**
 * Jain's fairness index, (Σx)² / (n·Σx²): 1 when every tenant got the same, 1/n when one got all.
 * Null when nobody got anything (fairness of nothing is undefined).
 */
export function jainIndex(values: readonly number[]): number | null {
  const total = values.reduce((sum, value) => sum + value, 0);
  const squares = values.reduce((sum, value) => sum + value * value, 0);
  if (values.length === 0 || squares === 0) return null;
  return (total * total) / (values.length * squares);
}

/** Calls and images by tier and by tenant. */
export function perTenant(records: readonly CallRecord[]) {
  const tenants = new Map<string, { tier: Tier; sent: number; ok: number; images: number }>();
  for (const record of records) {
    const entry = tenants.get(record.tenantId) ?? { tier: record.tier, sent: 0, ok: 0, images: 0 };
    entry.sent += 1;
    entry.ok += record.outcome === 200 ? 1 : 0;
    entry.images += record.images;
    tenants.set(record.tenantId, entry);
  }
  return Object.fromEntries([...tenants].sort(([left], [right]) => left.localeCompare(right)));
}
