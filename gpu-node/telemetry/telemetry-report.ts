import {
  type ExecutionProvider,
  type GpuStats,
  roundWorkFigure,
  type ServedModel,
  type StepCurvePoint,
  type TelemetryReport,
} from '../../shared/index.ts';
import type { SchedulerLoad } from '../scheduler/scheduler.ts';

/** Inputs of a telemetry report. */
export interface TelemetrySources {
  readonly poolId: string;
  readonly version: string;
  readonly models: readonly ServedModel[];
  readonly provider: ExecutionProvider;
  readonly load: SchedulerLoad;
  /** Batches the engine steps in parallel (its workers); the step curve describes one. */
  readonly batches: number;
  /** The scheduler's measured step curve (`Scheduler.stepCurve()`). */
  readonly stepCurve: readonly StepCurvePoint[];
  /** Each model's own curve (`Scheduler.modelStepCurves()`); absent models have stepped nothing. */
  readonly modelStepCurves?: ReadonlyMap<string, readonly StepCurvePoint[]>;
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
    models: sources.models.map((model) => {
      const curve = sources.modelStepCurves?.get(model.name);
      const served = { ...model, execution_provider: sources.provider };
      return curve && curve.length > 0 ? { ...served, step_curve: [...curve] } : served;
    }),
    execution_provider: sources.provider,
    slots: load.slots,
    running: load.running,
    queued: load.queued,
    max_queue: load.maxQueue,
    ewma_step_ms: roundOrNull(load.ewmaStepMs),
    ewma_job_ms: roundOrNull(load.ewmaJobMs),
    p50_job_ms: roundOrNull(load.medianJobMs),
    throughput_images_per_s: Math.round(load.imagesPerSecond * 1000) / 1000,
    gpus: sources.gpus,
    draining: load.draining,
    ready: sources.ready && !load.draining,
    // Rounded as the load headers round them, so the two agree when taken together.
    work: {
      queued: roundWorkFigure(load.queuedWork),
      running: roundWorkFigure(load.runningWork),
      throughput_per_s: roundOrNull(load.workPerSecond),
      batches: sources.batches,
      step_curve: [...sources.stepCurve],
      finish_ms: roundOrNull(load.finishMs),
      finish_ms_per_megapixel: roundOrNull(load.finishMsPerMegapixel),
    },
  };
}

function roundOrNull(value: number | null): number | null {
  return value === null ? null : Math.round(value * 1000) / 1000;
}
