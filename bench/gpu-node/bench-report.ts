import type { BenchOptions } from './bench-options.ts';
import type { E2eReport } from './e2e-bench.ts';
import type { BenchEnvironment } from './environment.ts';
import type { Headline } from './headline.ts';
import type { LatencySummary } from './percentiles.ts';
import type { RawReport, RawSeries } from './raw-bench.ts';

/** The one JSON document the benchmark prints. */
export interface BenchReport {
  readonly headline: Headline;
  readonly raw: RawSeries;
  readonly raw_with_png: RawSeries;
  readonly raw_compute_ms_p50: number | null;
  readonly raw_latency: LatencySummary;
  readonly raw_parallelism: {
    readonly provider: string;
    readonly workers: number;
    readonly intra_op_threads: number;
  };
  readonly e2e: E2eReport;
  readonly environment: BenchEnvironment;
  readonly options: BenchOptions;
  /** Things a reader should know to trust the numbers (e.g. fewer clients than slots). */
  readonly notes: readonly string[];
}

/** Notes on how far the run can be trusted. */
export function benchNotes(raw: RawReport, e2e: E2eReport): string[] {
  const notes: string[] = [];
  const floor = e2e.interleaved.http_floor_p50_ms;
  if (floor !== null && floor > 1) {
    notes.push(
      `a bare Node HTTP server adds ${floor} ms p50 on this host (same wait, same bytes): added_p50_ms <= 1 cannot be met here`,
    );
  }
  if (e2e.saturation.clients < e2e.server.slots) {
    notes.push(`${e2e.saturation.clients} clients for ${e2e.server.slots} slots: batches cannot all be full`);
  }
  if (e2e.saturation.failures > 0 || e2e.single_client.failures > 0) {
    notes.push(`requests failed: ${e2e.saturation.first_error ?? 'see failures'}`);
  }
  if (raw.provider !== e2e.server.execution_provider) {
    notes.push(`raw ran on ${raw.provider} but gpu-node on ${e2e.server.execution_provider}`);
  }
  const noisy = [...raw.raw.results, ...raw.raw_with_png.results, e2e.saturation]
    .map((run) => run.foreign_cpu_cores ?? 0)
    .filter((cores) => cores > foreignCoresLimit);
  if (noisy.length > 0) {
    notes.push(
      `other processes used up to ${Math.max(...noisy)} cores during ${noisy.length} measurement(s): rerun on a quiet host`,
    );
  }
  return notes;
}

/** Above this much CPU used by other processes a measurement on a small host is not trusted. */
const foreignCoresLimit = 0.2;
