import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import type { ExecutionProvider } from '../../shared/index.ts';
import {
  type EngineWorkerData,
  type FromEngineMessage,
  type ProviderAttempt,
  type SampleProgress,
  type SampleSpec,
  type StepRecord,
  sampleMegapixels,
  type ToEngineMessage,
} from './engine-protocol.ts';
import { type NoExecutionProviderError, spawnWorker } from './engine-spawn.ts';

/** What the engine reports back to its owner (the scheduler). */
export interface EngineListener {
  onSteps(steps: readonly StepRecord[], progress: readonly SampleProgress[]): void;
  /** `finishMs`: the image's decode and encode after its last step, when the engine timed it. */
  onDone(sampleId: string, png: Uint8Array, computeMs: number, finishMs?: number): void;
  onFailed(sampleId: string, message: string): void;
  /** A sample left its slot without a result (cancelled, or its worker died). */
  onReleased(sampleId: string): void;
}

/** Worker threads and ONNX threads per worker for a provider. */
export interface EngineParallelism {
  readonly workers: number;
  readonly intraOpThreads: number;
}

/** How the engine pool is started. */
export interface EnginePoolOptions extends Omit<EngineWorkerData, 'providers' | 'intraOpThreads'> {
  readonly providers: readonly ExecutionProvider[];
  readonly maxBatchSize: number;
  /** Parallelism depends on the provider, known only once the chain has been walked. */
  readonly parallelism: (provider: ExecutionProvider) => EngineParallelism;
}

type WorkerOptions = EnginePoolOptions & { readonly intraOpThreads: number };

interface Lane {
  worker: Worker;
  /** Samples in the lane's batch or joining it, with their megapixels. */
  readonly active: Map<string, number>;
  /** Samples submitted since the last flush, sent to the worker as one `join`. */
  joining: SampleSpec[];
}

/** How long a worker is given to finish its step and leave before it is terminated, ms. */
const CLOSE_GRACE_MS = 30_000;

/**
 * The inference engine: worker threads, each running its own continuous batch of up to
 * `maxBatchSize` samples. The first worker walks the provider chain; the rest use what it chose.
 */
export class EnginePool {
  readonly provider: ExecutionProvider;
  readonly attempts: readonly ProviderAttempt[];
  readonly slots: number;
  readonly parallelism: EngineParallelism;
  readonly #lanes: Lane[];
  readonly #options: WorkerOptions;
  #listener: EngineListener | null = null;
  #closing = false;
  #flushScheduled = false;

  private constructor(
    options: WorkerOptions,
    provider: ExecutionProvider,
    attempts: readonly ProviderAttempt[],
    parallelism: EngineParallelism,
  ) {
    this.#options = options;
    this.provider = provider;
    this.attempts = attempts;
    this.parallelism = parallelism;
    this.slots = parallelism.workers * options.maxBatchSize;
    this.#lanes = [];
  }

  /** Starts the workers; rejects with {@link NoExecutionProviderError} if nothing can run the model. */
  static async start(options: EnginePoolOptions): Promise<EnginePool> {
    const planned = options.parallelism(options.providers[0] ?? 'cpu');
    let first = await spawnWorker({ ...options, intraOpThreads: planned.intraOpThreads });
    const { provider, attempts } = first;
    const actual = options.parallelism(provider);
    const settled: WorkerOptions = {
      ...options,
      providers: [provider],
      intraOpThreads: actual.intraOpThreads,
    };
    if (actual.intraOpThreads !== planned.intraOpThreads) {
      // A fallback provider wants other threading; restart the probe worker with it.
      await first.worker.terminate();
      first = await spawnWorker(settled);
    }
    const pool = new EnginePool(settled, provider, attempts, actual);
    pool.#adopt(first.worker);
    const rest = await Promise.all(Array.from({ length: actual.workers - 1 }, () => spawnWorker(settled)));
    for (const started of rest) pool.#adopt(started.worker);
    return pool;
  }

  /** Receives engine events; one listener. */
  listen(listener: EngineListener): void {
    this.#listener = listener;
  }

  /** Samples currently held by workers. */
  get activeCount(): number {
    return this.#lanes.reduce((sum, lane) => sum + lane.active.size, 0);
  }

  /** Free batch slots across all workers. */
  get freeSlots(): number {
    return this.slots - this.activeCount;
  }

  /** Hands a sample to the least-busy worker; returns false if every batch is full. */
  submit(sample: SampleSpec): boolean {
    let target: Lane | undefined;
    for (const lane of this.#lanes) {
      if (
        lane.active.size < this.#options.maxBatchSize &&
        (!target || lane.active.size < target.active.size)
      ) {
        target = lane;
      }
    }
    if (!target) return false;
    target.active.set(sample.sampleId, sampleMegapixels(sample));
    target.joining.push(sample);
    // Samples submitted in one turn of the event loop reach the worker in one message, so they
    // start in the same step instead of racing each other across the thread boundary.
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.#flushJoins());
    }
    return true;
  }

  /** @inheritdoc */
  batchMegapixelsOf(sampleIds: readonly string[]): number {
    let largest = 0;
    for (const lane of this.#lanes) {
      if (!sampleIds.some((sampleId) => lane.active.has(sampleId))) continue;
      let megapixels = 0;
      for (const each of lane.active.values()) megapixels += each;
      largest = Math.max(largest, megapixels);
    }
    return largest;
  }

  /** Asks the workers to drop samples between steps; each is reported through `onReleased`. */
  cancel(sampleIds: readonly string[]): void {
    // A cancel must not overtake the join of the samples it names.
    this.#flushJoins();
    for (const lane of this.#lanes) {
      const mine = sampleIds.filter((sampleId) => lane.active.has(sampleId));
      if (mine.length > 0) lane.worker.postMessage({ type: 'cancel', sampleIds: mine });
    }
  }

  /**
   * Stops every worker: each is asked to leave between two steps and given `CLOSE_GRACE_MS` to,
   * then terminated. Terminating one in the middle of an ONNX Runtime run aborts the process
   * (`terminate called after throwing an instance of 'Napi::Error'`, exit 134), which a drain that
   * ran out of time did with a large image in its batch.
   */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#lanes.map(async (lane) => {
        const exited = once(lane.worker, 'exit').then(() => true);
        lane.worker.postMessage({ type: 'close' } satisfies ToEngineMessage);
        const grace = new Promise<false>((resolve) =>
          setTimeout(() => resolve(false), CLOSE_GRACE_MS).unref(),
        );
        if (!(await Promise.race([exited, grace]))) await lane.worker.terminate();
      }),
    );
  }

  #flushJoins(): void {
    this.#flushScheduled = false;
    for (const lane of this.#lanes) {
      if (lane.joining.length === 0) continue;
      lane.worker.postMessage({ type: 'join', samples: lane.joining });
      lane.joining = [];
    }
  }

  #adopt(worker: Worker): void {
    const lane: Lane = { worker, active: new Map(), joining: [] };
    this.#lanes.push(lane);
    this.#attach(lane);
  }

  #attach(lane: Lane): void {
    lane.worker.on('message', (message: FromEngineMessage) => this.#handle(lane, message));
    lane.worker.on('exit', () => void this.#replace(lane));
    lane.worker.on('error', () => undefined);
  }

  #handle(lane: Lane, message: FromEngineMessage): void {
    const listener = this.#listener;
    switch (message.type) {
      case 'steps':
        listener?.onSteps(message.steps, message.progress);
        return;
      case 'done':
        lane.active.delete(message.sampleId);
        listener?.onDone(message.sampleId, message.png, message.computeMs, message.finishMs);
        return;
      case 'failed':
        lane.active.delete(message.sampleId);
        listener?.onFailed(message.sampleId, message.message);
        return;
      case 'canceled':
        for (const sampleId of message.sampleIds) {
          lane.active.delete(sampleId);
          listener?.onReleased(sampleId);
        }
        return;
      case 'ready':
      case 'init-failed':
        return;
    }
  }

  // A worker that dies (native crash, out of memory) fails only its own samples; the pool
  // starts a replacement so capacity comes back.
  async #replace(lane: Lane): Promise<void> {
    if (this.#closing) return;
    const lost = [...lane.active.keys()];
    lane.active.clear();
    lane.joining = [];
    for (const sampleId of lost) this.#listener?.onFailed(sampleId, 'inference worker exited');
    try {
      const started = await spawnWorker(this.#options);
      if (this.#closing) {
        await started.worker.terminate();
        return;
      }
      lane.worker = started.worker;
      this.#attach(lane);
    } catch {
      // Leave the lane dead; its slots stay counted as busy only while samples exist.
    }
  }
}
