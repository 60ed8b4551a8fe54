import type { Logger } from 'pino';
import type { ExecutionProvider } from '../shared/index.ts';
import { engineParallelism, type GpuNodeConfig } from './config/gpu-node-config.ts';
import { EnginePool } from './engine/engine-pool.ts';
import type { EngineModel } from './engine/engine-protocol.ts';
import type { BatchEngine } from './scheduler/batch-engine.ts';

/** What a pool needs from its inference engine: the scheduler's port, its provider, and shutdown. */
export interface PoolEngine extends BatchEngine {
  readonly provider: ExecutionProvider;
  close(): Promise<void>;
}

/** Starts the engine that serves `models`. */
export type EngineStarter = (
  config: GpuNodeConfig,
  models: readonly EngineModel[],
  logger: Logger,
) => Promise<PoolEngine>;

/** The production engine: ONNX Runtime worker threads on the first provider that loads the model. */
export async function startEnginePool(
  config: GpuNodeConfig,
  models: readonly EngineModel[],
  logger: Logger,
): Promise<EnginePool> {
  const engine = await EnginePool.start({
    models,
    providers: config.providers,
    deviceId: config.deviceId,
    maxBatchSize: config.maxBatchSize,
    pngCompressionLevel: config.pngCompressionLevel,
    computeNice: config.computeNice,
    warmupBatchSizes: [1, config.maxBatchSize],
    parallelism: (provider) => engineParallelism(config, provider),
  });
  for (const attempt of engine.attempts) {
    logger.warn(
      { provider: attempt.provider, error: attempt.error },
      'execution provider unavailable, trying the next',
    );
  }
  logger.info(
    {
      execution_provider: engine.provider,
      workers: engine.parallelism.workers,
      intra_op_threads: engine.parallelism.intraOpThreads,
      slots: engine.slots,
    },
    `inference engine ready on ${engine.provider}`,
  );
  return engine;
}
