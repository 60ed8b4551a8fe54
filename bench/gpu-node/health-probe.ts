import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** What the probe thread is started with. */
export interface ProbeSettings {
  readonly origin: string;
  readonly path: string;
  readonly intervalMs: number;
}

/** Main thread → probe thread: start keeping timings, or stop and report. */
export type ToProbe = { readonly type: 'record' } | { readonly type: 'stop' };

/** Probe thread → main thread. */
export type FromProbe =
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly samplesMs: readonly number[]; readonly failures: number };

/** A running health probe; call `record()` when the measured window opens and `stop()` when it ends. */
export interface HealthProbe {
  record(): void;
  stop(): Promise<{ samplesMs: readonly number[]; failures: number }>;
}

/**
 * Starts a thread that GETs `path` every `intervalMs` (a new request starts no sooner than
 * `intervalMs` after the previous one started) over its own keep-alive connection.
 */
export async function startHealthProbe(settings: ProbeSettings): Promise<HealthProbe> {
  const worker = new Worker(new URL('./probe-worker.ts', import.meta.url), { workerData: settings });
  const [ready] = (await once(worker, 'message')) as [FromProbe];
  if (ready.type !== 'ready') throw new Error(`probe sent ${ready.type} before ready`);
  const send = (message: ToProbe) => worker.postMessage(message);
  return {
    record: () => send({ type: 'record' }),
    stop: async () => {
      const result = once(worker, 'message') as Promise<[FromProbe]>;
      send({ type: 'stop' });
      const [reply] = await result;
      await worker.terminate();
      if (reply.type !== 'result') throw new Error(`probe sent ${reply.type} instead of its result`);
      return { samplesMs: reply.samplesMs, failures: reply.failures };
    },
  };
}
