import type { PoolRecord, ProviderRecord, TelemetryReport } from '../../shared/index.ts';
import type { PoolWork } from '../../shared/schemas/telemetry-report.ts';
import type { PoolSnapshotEntry } from '../fleet/fleet-records.ts';

/** An owned gpu-node provider, as the registry stores it. */
export const gpuNodeProvider: ProviderRecord = {
  id: 'own',
  name: 'Own',
  protocol: 'gpu-node',
  credentials: null,
  credentials_ref: null,
  created_at: 0,
};

/**
 * A snapshot entry for gpu-node pool `id` of {@link gpuNodeProvider}, registered for the models its
 * `telemetry` lists, reported at `receivedAt`.
 *
 * @example
 * const snapshot = { version: 1, taken_at: 1, pools: [gpuNodeEntry('a', telemetryReport({ pool_id: 'a' }))] };
 */
export function gpuNodeEntry(id: string, telemetry: TelemetryReport, receivedAt = 1): PoolSnapshotEntry {
  const pool: PoolRecord = {
    id,
    provider_id: gpuNodeProvider.id,
    url: `https://${id}.example`,
    region: 'eu',
    models: telemetry.models.map(({ name }) => name),
    capacity: 8,
    price_per_image: null,
    ms_per_megapixel_step: null,
    upstream: null,
    enabled: true,
    draining: false,
    created_at: 0,
    updated_at: 0,
  };
  return {
    pool,
    provider: gpuNodeProvider,
    telemetry,
    received_at: receivedAt,
    suspect_until: null,
    idle_since: null,
    best_job_ms: null,
  };
}

/**
 * An idle pool's `work` section, its curve measured at one point (a 1 MP batch at 40 ms a step),
 * with `overrides` on top.
 *
 * @example
 * telemetryReport({ pool_id: 'a', work: idleWork({ finish_ms: 200 }) });
 */
export function idleWork(overrides: Partial<PoolWork> = {}): PoolWork {
  return {
    queued: 0,
    running: 0,
    throughput_per_s: 1,
    batches: 1,
    step_curve: [{ batch_megapixels: 1, step_ms: 40 }],
    ...overrides,
  };
}
