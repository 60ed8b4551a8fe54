import { Worker } from 'node:worker_threads';
import type { ExecutionProvider } from '../../shared/index.ts';
import type { EngineWorkerData, FromEngineMessage, ProviderAttempt } from './engine-protocol.ts';

// Starting one inference worker thread: it walks the provider chain it is given and says which
// provider loaded the model, or why none could.

/** Raised when no provider in the chain could create a session. */
export class NoExecutionProviderError extends Error {
  readonly attempts: readonly ProviderAttempt[];
  constructor(attempts: readonly ProviderAttempt[]) {
    super(
      `no execution provider could load the model: ${attempts.map((a) => `${a.provider}: ${a.error}`).join('; ')}`,
    );
    this.attempts = attempts;
  }
}

/** Starts one worker; resolves once its session is ready, rejects if no provider could load the model. */
export async function spawnWorker(
  options: EngineWorkerData,
): Promise<{ worker: Worker; provider: ExecutionProvider; attempts: readonly ProviderAttempt[] }> {
  const workerData: EngineWorkerData = {
    models: options.models,
    providers: options.providers,
    deviceId: options.deviceId,
    intraOpThreads: options.intraOpThreads,
    warmupBatchSizes: options.warmupBatchSizes,
    pngCompressionLevel: options.pngCompressionLevel,
    computeNice: options.computeNice,
  };
  const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), { workerData });
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromEngineMessage) => {
      if (message.type === 'ready') {
        cleanup();
        resolve({ worker, provider: message.provider, attempts: message.attempts });
      } else if (message.type === 'init-failed') {
        cleanup();
        reject(new NoExecutionProviderError(message.attempts));
      }
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`inference worker exited with code ${code} during start-up`));
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}
