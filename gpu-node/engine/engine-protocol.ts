import { type ExecutionProvider, imageMegapixels } from '../../shared/index.ts';
import type { ModelManifest } from '../model/model-manifest.ts';
import type { PipelineModel } from '../pipeline/pipeline-model.ts';

/** What an engine serves: a contract model (manifest) or a pipeline folder. */
export type EngineModel = ModelManifest | PipelineModel;

/** One image to generate: the unit the batcher schedules. */
export interface SampleSpec {
  readonly sampleId: string;
  /** The served model that generates it. */
  readonly model: string;
  readonly prompt: string;
  readonly negativePrompt?: string;
  readonly guidanceScale?: number;
  readonly seed: number;
  readonly steps: number;
  readonly width: number;
  readonly height: number;
  /** Report every step (someone streams this job); otherwise progress is batched. */
  readonly streamProgress: boolean;
}

/** Megapixels of one sample's image: the unit of batch size in step curves (shared/work.ts). */
export function sampleMegapixels(spec: Pick<SampleSpec, 'width' | 'height'>): number {
  return imageMegapixels(`${spec.width}x${spec.height}`);
}

/** What an engine worker is started with (its `workerData`). */
export interface EngineWorkerData {
  /** The models served: a contract model's manifest, or Stable Diffusion pipeline folders. */
  readonly models: readonly EngineModel[];
  readonly providers: readonly ExecutionProvider[];
  readonly deviceId: number;
  readonly intraOpThreads: number;
  readonly warmupBatchSizes: readonly number[];
  readonly pngCompressionLevel: number;
  /** Nice value for compute threads (0 = same as the HTTP thread, 19 = lowest). */
  readonly computeNice: number;
}

/** Main thread → engine worker. */
export type ToEngineMessage =
  | { readonly type: 'join'; readonly samples: readonly SampleSpec[] }
  | { readonly type: 'cancel'; readonly sampleIds: readonly string[] }
  /** Leave between two steps: the thread ends with no native call in flight (`EnginePool.close`). */
  | { readonly type: 'close' };

/** Progress of one sample after a step. */
export interface SampleProgress {
  readonly sampleId: string;
  readonly step: number;
}

/** One batched denoiser step: how many images it advanced, how much work, and how long it took. */
export interface StepRecord {
  readonly batchSize: number;
  /** Sum over the step's images of width × height / 10⁶: the megapixel-steps it did. */
  readonly batchMegapixels: number;
  readonly durationMs: number;
  /**
   * Of `durationMs`, the time the step's thread was ready to run but had no CPU (Linux; absent
   * elsewhere): other threads' work on the same cores, not this batch's. Read as it was measured:
   * two reads that straddle a descheduling can make it reach `durationMs`, and the reader decides
   * what to believe (`LoadTracker`).
   */
  readonly waitMs?: number;
  /** The same step, model by model: each model's batches run one after another within it. */
  readonly models?: readonly ModelStepRecord[];
}

/** One model's share of a step: its batches' megapixels and the time they took. */
export interface ModelStepRecord {
  readonly model: string;
  readonly batchMegapixels: number;
  readonly durationMs: number;
}

/** A provider the worker tried and why it was not taken. */
export interface ProviderAttempt {
  readonly provider: ExecutionProvider;
  readonly error: string;
}

/** Engine worker → main thread. */
export type FromEngineMessage =
  | {
      readonly type: 'ready';
      readonly provider: ExecutionProvider;
      readonly attempts: readonly ProviderAttempt[];
    }
  | { readonly type: 'init-failed'; readonly attempts: readonly ProviderAttempt[] }
  | {
      readonly type: 'steps';
      readonly steps: readonly StepRecord[];
      readonly progress: readonly SampleProgress[];
    }
  | {
      readonly type: 'done';
      readonly sampleId: string;
      readonly png: Uint8Array;
      readonly computeMs: number;
      /** Ms from the start of the image's decode to its PNG: what an image costs after its last step. */
      readonly finishMs?: number;
    }
  | { readonly type: 'failed'; readonly sampleId: string; readonly message: string }
  | { readonly type: 'canceled'; readonly sampleIds: readonly string[] };
