/**
 * Names of the counters an isolate flushes and the aggregator sums. Each key is a JSON array
 * (its first element the counter, the rest its labels), so any label value is unambiguous.
 */

/** Edge requests of a tier by outcome: `["tier", tier, "ok"|"shed"|"canceled"|"error"]` (window). */
export const TIER = 'tier';
/** Requests and dispatches by error code: `["error", code]` (window). */
export const ERROR = 'error';
/** Dispatches by the pool that served them: `["route", pool, provider]` (window). */
export const ROUTE = 'route';
/** Hedged dispatches by that pool: `["hedged", pool, provider]` (window and totals). */
export const HEDGED = 'hedged';
/** Dispatch latency by percentile bin: `["latency", bin]` (window). */
export const LATENCY = 'latency';
/** `["requests", route, tier, status, code, pool]` (totals). */
export const REQUESTS = 'requests';
/** `["duration_bucket", route, bucketIndex]`, `["duration_sum", route]` (ms), `["duration_count", route]` (totals). */
export const DURATION_BUCKET = 'duration_bucket';
export const DURATION_SUM = 'duration_sum';
export const DURATION_COUNT = 'duration_count';
/** Pool calls by outcome: `["attempts", pool, provider, outcome]` (totals). */
export const ATTEMPTS = 'attempts';
/** Admitted requests by how their limits were checked: `["admissions", tier, source]` (totals). */
export const ADMISSIONS = 'admissions';

/** A counter key. */
export function statsKey(name: string, ...labels: ReadonlyArray<string | number>): string {
  return JSON.stringify([name, ...labels]);
}

/** A key's counter name and labels; null for a key this code did not write. */
export function parseStatsKey(key: string): { name: string; labels: string[] } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(key);
  } catch {
    return null;
  }
  if (!Array.isArray(parsed) || parsed.length === 0) return null;
  const [name, ...labels] = parsed as unknown[];
  if (typeof name !== 'string') return null;
  return { name, labels: labels.map((label) => String(label)) };
}
