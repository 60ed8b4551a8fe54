/**
 * Two latency scales: fine log bins for the stats' percentiles (each bin's upper bound is
 * {@link BIN_GROWTH} times the previous, so a percentile is within that ratio of the truth), and the
 * Prometheus histogram's fixed buckets.
 */

/** Ratio between consecutive percentile bins' upper bounds. */
export const BIN_GROWTH = 1.1;
const LOG_GROWTH = Math.log(BIN_GROWTH);

/** Upper bounds (seconds) of `spillway_request_duration_seconds`' buckets, before `+Inf`. */
export const DURATION_BUCKETS_S: readonly number[] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** The percentile bin of a latency: 0 for up to 1 ms, then ⌈log₁.₁ ms⌉. */
export function latencyBin(ms: number): number {
  return ms <= 1 ? 0 : Math.ceil(Math.log(ms) / LOG_GROWTH - 1e-9);
}

/** The upper bound (ms) of a percentile bin. */
export function binUpperMs(bin: number): number {
  return BIN_GROWTH ** bin;
}

/**
 * The `q` quantile (0..1) of latencies counted by bin, as its bin's upper bound rounded to a
 * millisecond; null when nothing was counted.
 * @example
 * quantileOfBins(new Map([[latencyBin(100), 3]]), 0.5); // 100 ± 10%
 */
export function quantileOfBins(counts: ReadonlyMap<number, number>, q: number): number | null {
  const bins = [...counts.entries()].filter(([, n]) => n > 0).sort(([a], [b]) => a - b);
  const total = bins.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bin, n] of bins) {
    seen += n;
    if (seen >= rank) return Math.round(binUpperMs(bin));
  }
  return null;
}

/** Index of the first duration bucket a latency falls in; `DURATION_BUCKETS_S.length` is `+Inf`. */
export function durationBucket(ms: number): number {
  const seconds = ms / 1000;
  const index = DURATION_BUCKETS_S.findIndex((bound) => seconds <= bound);
  return index === -1 ? DURATION_BUCKETS_S.length : index;
}
