import type { BenchReport } from './bench-report.ts';

/** A readable summary of a report, for a terminal. */
export function summaryText(report: BenchReport): string {
  const { environment: env, raw, raw_with_png: withPng, e2e, headline } = report;
  const lines = [
    `gpu-node benchmark — ${env.cpu_model ?? 'unknown CPU'}, ${env.cores} cores, ${env.execution_provider ?? '?'}, node ${env.node}`,
    `raw ONNX Runtime (${report.raw_parallelism.workers} worker(s) × ${report.raw_parallelism.intra_op_threads} thread(s)):`,
    ...raw.results.map((result, index) => {
      const png = withPng.results[index];
      return `  batch ${String(result.batch_size).padStart(3)}: ${result.images_per_s} images/s (with PNG ${png?.images_per_s ?? '?'})`;
    }),
    `  best ${raw.best?.images_per_s} images/s at batch ${raw.best?.batch_size}; single image p50 ${report.raw_compute_ms_p50} ms`,
    `gpu-node over HTTP (max batch ${e2e.server.max_batch_size}, ${e2e.server.slots} slots):`,
    `  1 client: p50 ${e2e.single_client.latency.p50_ms} ms, p99 ${e2e.single_client.latency.p99_ms} ms`,
    `  ${e2e.saturation.clients} clients: ${e2e.saturation.images_per_s} images/s, p50 ${e2e.saturation.latency.p50_ms} ms, p99 ${e2e.saturation.latency.p99_ms} ms`,
    `  /v2/health/live under load: p50 ${e2e.saturation.health.p50_ms} ms, p99 ${e2e.saturation.health.p99_ms} ms`,
    'headline:',
    `  saturation ratio ${headline.saturation_ratio} (target ${headline.targets.saturation_ratio}) ${mark(headline.met.saturation_ratio)}`,
    `  … unpaired ${headline.saturation_ratio_unpaired}, vs raw with PNG ${headline.saturation_ratio_unpaired_vs_raw_with_png}`,
    `  added p50 ${headline.added_p50_ms} ms (target ${headline.targets.added_p50_ms}) ${mark(headline.met.added_p50_ms)}`,
    `  … bare Node HTTP floor on this host ${headline.http_floor_p50_ms} ms; gpu-node over it ${headline.added_over_floor_p50_ms} ms`,
    `  health p99 ${headline.health_p99_ms} ms (target ${headline.targets.health_p99_ms}) ${mark(headline.met.health_p99_ms)}`,
    ...report.notes.map((note) => `note: ${note}`),
  ];
  return `${lines.join('\n')}\n`;
}

function mark(met: boolean): string {
  return met ? 'met' : 'NOT met';
}
