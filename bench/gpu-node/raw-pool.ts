import { Worker } from 'node:worker_threads';
import { engineParallelism, parseGpuNodeConfig } from '../../gpu-node/config/gpu-node-config.ts';
import type { ModelManifest } from '../../gpu-node/model/model-manifest.ts';
import type { ExecutionProvider } from '../../shared/index.ts';
import type { FromRawWorker, RawWorkerData, ToRawWorker } from './raw-protocol.ts';

type Reply<Type extends FromRawWorker['type']> = Extract<FromRawWorker, { type: Type }>;

/** Raw benchmark workers laid out as gpu-node would lay out its engine on this host. */
export interface RawPool {
  readonly provider: ExecutionProvider;
  readonly workers: number;
  readonly intraOpThreads: number;
  /** Sends `message` to the first `count` workers (all by default) and waits for every reply. */
  askAll<Type extends FromRawWorker['type']>(
    message: ToRawWorker,
    expect: Type,
    count?: number,
  ): Promise<Reply<Type>[]>;
  close(): Promise<void>;
}

/**
 * Starts the raw workers with gpu-node's own parallelism rule: one single-threaded session per
 * core on CPU, one session on a GPU; `workerCount` overrides it as gpu-node's `--workers` does.
 * The first worker walks the provider chain; the rest use its choice, as the engine pool does.
 */
export async function startRawPool(
  manifest: ModelManifest,
  providers: readonly ExecutionProvider[],
  workerCount: number | undefined,
): Promise<RawPool> {
  const parsed = parseGpuNodeConfig({
    insecureNoAuth: true,
    providers: providers.join(','),
    workers: workerCount,
  });
  if (!parsed.ok) throw new Error(parsed.message);
  const parallelismOf = (provider: ExecutionProvider) => engineParallelism(parsed.config, provider);
  const base = { manifest, deviceId: 0 };
  const planned = parallelismOf(providers[0] ?? 'cpu');
  let first = await spawn({ ...base, providers, intraOpThreads: planned.intraOpThreads });
  const actual = parallelismOf(first.provider);
  const settled: RawWorkerData = {
    ...base,
    providers: [first.provider],
    intraOpThreads: actual.intraOpThreads,
  };
  if (actual.intraOpThreads !== planned.intraOpThreads) {
    await first.worker.terminate();
    first = await spawn(settled);
  }
  const rest = await Promise.all(Array.from({ length: actual.workers - 1 }, () => spawn(settled)));
  const workers = [first.worker, ...rest.map((started) => started.worker)];
  return {
    provider: first.provider,
    workers: workers.length,
    intraOpThreads: actual.intraOpThreads,
    askAll: (message, expect, count = workers.length) =>
      Promise.all(workers.slice(0, count).map((worker) => ask(worker, message, expect))),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

async function ask<Type extends FromRawWorker['type']>(
  worker: Worker,
  message: ToRawWorker,
  expect: Type,
): Promise<Reply<Type>> {
  const replied = nextReply(worker);
  worker.postMessage(message);
  const reply = await replied;
  if (reply.type === expect) return reply as Reply<Type>;
  throw new Error(`raw worker answered ${reply.type}${'message' in reply ? `: ${reply.message}` : ''}`);
}

async function spawn(workerData: RawWorkerData): Promise<{ worker: Worker; provider: ExecutionProvider }> {
  const worker = new Worker(new URL('./raw-worker.ts', import.meta.url), { workerData });
  const reply = await nextReply(worker);
  if (reply.type === 'ready') return { worker, provider: reply.provider };
  await worker.terminate();
  if (reply.type === 'init-failed') {
    throw new Error(
      `no provider loaded: ${reply.attempts.map((a) => `${a.provider}: ${a.error}`).join('; ')}`,
    );
  }
  throw new Error(`raw worker sent ${reply.type} before ready`);
}

/** The worker's next message; rejects if it errors or exits first. */
function nextReply(worker: Worker): Promise<FromRawWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: FromRawWorker) => {
      cleanup();
      resolve(reply);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number) => {
      cleanup();
      reject(new Error(`raw worker exited with code ${code}`));
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
