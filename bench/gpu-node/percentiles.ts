/** Summary of a set of timings in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50_ms: number | null;
  readonly p90_ms: number | null;
  readonly p99_ms: number | null;
  readonly max_ms: number | null;
  readonly mean_ms: number | null;
}

/**
 * The `fraction` percentile (0–1) of an ascending-sorted array, by the nearest-rank method;
 * null when the array is empty.
 *
 * @example
 * percentileOfSorted([1, 2, 3, 4], 0.5); // 2
 */
export function percentileOfSorted(sorted: readonly number[], fraction: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? null;
}

/**
 * The `q` quantile (0..1) of `values`, unsorted: the value at index floor(q · n) of a sorted copy;
 * null for none.
 *
 * @example
 * quantile([4, 1, 3, 2], 0.5); // 3
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = sortedAscending(values);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
}

/** Sorts a copy of `values` ascending. */
export function sortedAscending(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Rounds to `digits` decimals; passes null through. */
export function round(value: number | null, digits = 2): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** p50/p90/p99/max/mean of `values` (milliseconds), rounded to 0.01 ms. */
export function summarize(values: readonly number[]): LatencySummary {
  const sorted = sortedAscending(values);
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    count: sorted.length,
    p50_ms: round(percentileOfSorted(sorted, 0.5)),
    p90_ms: round(percentileOfSorted(sorted, 0.9)),
    p99_ms: round(percentileOfSorted(sorted, 0.99)),
    max_ms: round(sorted.at(-1) ?? null),
    mean_ms: round(sorted.length === 0 ? null : total / sorted.length),
  };
}
