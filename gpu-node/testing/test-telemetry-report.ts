import type { TelemetryReport } from '../../shared/index.ts';

/** Pool id of the reports built here. */
export const poolId = 'pool-eu-1';

/** A valid telemetry report for tests, with any field overridable. */
export function report(overrides: Partial<TelemetryReport> = {}): TelemetryReport {
  return {
    pool_id: poolId,
    version: '0.1.0',
    timestamp: Date.now(),
    models: [
      {
        name: 'spillway-tiny',
        sizes: ['64x64', '256x256'],
        default_size: '256x256',
        default_steps: 30,
        max_steps: 100,
      },
    ],
    execution_provider: 'cpu',
    slots: 16,
    running: 0,
    queued: 0,
    max_queue: 256,
    ewma_step_ms: null,
    ewma_job_ms: null,
    throughput_images_per_s: 0,
    gpus: null,
    draining: false,
    ready: true,
    ...overrides,
  };
}
