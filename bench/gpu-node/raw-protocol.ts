import type { ProviderAttempt } from '../../gpu-node/engine/engine-protocol.ts';
import type { ModelManifest } from '../../gpu-node/model/model-manifest.ts';
import type { ExecutionProvider } from '../../shared/index.ts';

/** What a raw benchmark worker is started with (its `workerData`). */
export interface RawWorkerData {
  readonly manifest: ModelManifest;
  readonly providers: readonly ExecutionProvider[];
  readonly deviceId: number;
  readonly intraOpThreads: number;
}

/** The shape of the images every run generates. */
export interface RawShape {
  readonly width: number;
  readonly height: number;
  readonly steps: number;
}

/** Main thread → raw worker. */
export type ToRawWorker =
  /** Runs one step and one decode (and PNG) at this batch size, so first-use costs are paid. */
  | {
      readonly type: 'prepare';
      readonly shape: RawShape;
      readonly batchSize: number;
      readonly pngLevel: number;
    }
  /** Generates batches back to back until `durationMs` has passed and `minBatches` are done. */
  | {
      readonly type: 'throughput';
      readonly shape: RawShape;
      readonly batchSize: number;
      readonly durationMs: number;
      readonly minBatches: number;
      /** PNG level to encode each image with, or null to stop at the decoder's RGB. */
      readonly pngLevel: number | null;
    }
  /** Generates `count` single images one after another, timing each (denoise, decode, PNG). */
  | { readonly type: 'latency'; readonly shape: RawShape; readonly count: number; readonly pngLevel: number };

/** Time spent per phase, summed over a run, in milliseconds. */
export interface PhaseTotals {
  readonly prepareMs: number;
  readonly denoiseMs: number;
  readonly decodeMs: number;
  readonly pngMs: number;
}

/** Raw worker → main thread. */
export type FromRawWorker =
  | {
      readonly type: 'ready';
      readonly provider: ExecutionProvider;
      readonly attempts: readonly ProviderAttempt[];
    }
  | { readonly type: 'init-failed'; readonly attempts: readonly ProviderAttempt[] }
  | { readonly type: 'prepared' }
  | {
      readonly type: 'throughput-result';
      readonly images: number;
      readonly elapsedMs: number;
      readonly phases: PhaseTotals;
    }
  | { readonly type: 'latency-result'; readonly samplesMs: readonly number[] }
  | { readonly type: 'error'; readonly message: string };
