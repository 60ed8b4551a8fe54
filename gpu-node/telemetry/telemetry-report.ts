import type { ExecutionProvider, GpuStats, ServedModel, TelemetryReport } from '../../shared/index.ts';
import type { SchedulerLoad } from '../scheduler/scheduler.ts';

/** Inputs of a telemetry report. */
export interface TelemetrySources {
  readonly poolId: string;
  readonly version: string;
  readonly models: readonly ServedModel[];
  readonly provider: ExecutionProvider;
  readonly load: SchedulerLoad;
  readonly gpus: GpuStats[] | null;
  readonly ready: boolean;
  readonly now: number;
}

/** Builds the shared telemetry report from the scheduler's load and the GPU probe. */
export function buildTelemetryReport(sources: TelemetrySources): TelemetryReport {
  const { load } = sources;
  return {
    pool_id: sources.poolId,
    version: sources.version,
    timestamp: Math.round(sources.now),
    models: [...sources.models],
    execution_provider: sources.provider,
    slots: load.slots,
    running: load.running,
    queued: load.queued,
    max_queue: load.maxQueue,
    ewma_step_ms: roundOrNull(load.ewmaStepMs),
    ewma_job_ms: roundOrNull(load.ewmaJobMs),
    throughput_images_per_s: Math.round(load.imagesPerSecond * 1000) / 1000,
    gpus: sources.gpus,
    draining: load.draining,
    ready: sources.ready && !load.draining,
  };
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}
