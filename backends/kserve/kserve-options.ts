import { z } from 'zod';
import { adapterOptionsSchema, msOption } from '../provider-kit/index.ts';

/** Triton's metrics port (`--metrics-port`, 8002 unless changed). */
export const TRITON_METRICS_PORT = '8002';

/**
 * Triton's metrics endpoint for a pool: the pool's host on {@link TRITON_METRICS_PORT}, at
 * `/metrics`. A KServe server that serves no metrics is still probed for readiness.
 */
export function tritonMetricsUrl(poolUrl: string): string {
  const url = new URL(poolUrl);
  url.port = TRITON_METRICS_PORT;
  url.pathname = '/metrics';
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * Options of the KServe v2 adapter: the common ones (`fetch`, `now`, `requestTimeoutMs`: see
 * `adapterOptionsSchema`), `probeTimeoutMs` bounding each request of a probe, and `metricsUrl`
 * naming a pool's Prometheus endpoint (null: none), Triton's by default.
 */
export const kserveOptionsSchema = adapterOptionsSchema.extend({
  probeTimeoutMs: msOption(),
  metricsUrl: z
    .custom<(poolUrl: string) => string | null>(
      (value) => typeof value === 'function',
      'metricsUrl must be a function',
    )
    .default(() => tritonMetricsUrl),
});

/** Options as a caller writes them. */
export type KserveOptions = z.input<typeof kserveOptionsSchema>;
/** Options with defaults applied. */
export type KserveSettings = z.infer<typeof kserveOptionsSchema>;
