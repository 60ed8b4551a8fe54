import type { RunResult } from './sim-types.ts';

/** Latency figures of one set of jobs. */
export interface LatencyFigures {
  readonly jobs: number;
  readonly p50_ms: number;
  readonly p95_ms: number;
  readonly p99_ms: number;
  /** Share of jobs that finished within the SLO (unfinished jobs count as misses). */
  readonly within_slo: number;
}

/** Nearest-rank percentile of an ascending array (NaN when empty). */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/**
 * Latencies of the jobs that arrived in [fromMs, toMs) past the warm-up, ascending; a job that
 * never finished counts as +Infinity (it is in the tail, not dropped).
 */
export function latenciesIn(run: RunResult, warmupJobs: number, fromMs = 0, toMs = Infinity): Float64Array {
  const values: number[] = [];
  for (let job = warmupJobs; job < run.arrivalAt.length; job++) {
    const arrival = run.arrivalAt[job] ?? 0;
    if (arrival < fromMs || arrival >= toMs) continue;
    const latency = run.latencyMs[job] ?? Number.NaN;
    values.push(Number.isNaN(latency) ? Number.POSITIVE_INFINITY : latency);
  }
  return Float64Array.from(values).sort();
}

/**
 * Slowdowns of the jobs that arrived in [fromMs, toMs) past the warm-up, ascending: each job's
 * latency over its own unloaded service time (`RunResult.unloadedMs`); unfinished jobs count as
 * +Infinity.
 */
export function slowdownsIn(run: RunResult, warmupJobs: number, fromMs = 0, toMs = Infinity): Float64Array {
  const values: number[] = [];
  for (let job = warmupJobs; job < run.arrivalAt.length; job++) {
    const arrival = run.arrivalAt[job] ?? 0;
    if (arrival < fromMs || arrival >= toMs) continue;
    const latency = run.latencyMs[job] ?? Number.NaN;
    const unloaded = run.unloadedMs[job] ?? Number.NaN;
    values.push(Number.isNaN(latency) || !(unloaded > 0) ? Number.POSITIVE_INFINITY : latency / unloaded);
  }
  return Float64Array.from(values).sort();
}

/** p50/p95/p99 and SLO share of an ascending latency array. */
export function latencyFigures(sorted: Float64Array, sloMs: number): LatencyFigures {
  let within = 0;
  for (const value of sorted) if (value <= sloMs) within++;
  return {
    jobs: sorted.length,
    p50_ms: percentile(sorted, 0.5),
    p95_ms: percentile(sorted, 0.95),
    p99_ms: percentile(sorted, 0.99),
    within_slo: sorted.length > 0 ? within / sorted.length : Number.NaN,
  };
}
