import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The entry point of a real pool: what `npm run gpu-node` runs. */
const GPU_NODE_MAIN = 'gpu-node/main.ts';
/** How long a pool process may take to finish its drain after SIGTERM before it is killed. */
const STOP_GRACE_MS = 10_000;

/**
 * What the local stack and its tests read of the process serving a pool, and the signals tests
 * send it (SIGSTOP, SIGKILL). A pool running inside this process has a stand-in that refuses them.
 */
export type PoolProcess = Pick<ChildProcess, 'exitCode' | 'signalCode' | 'kill'>;

/** What a {@link PoolStarter} is told: who the pool is, and how it reaches and proves itself to the edge. */
export interface PoolStartSettings {
  readonly poolId: string;
  readonly edgeUrl: string;
  /** The edge's public key (PEM), which verifies the dispatch tokens the pool is sent. */
  readonly edgePublicKeyPath: string;
  /** The pool's heartbeat signing key (PEM); the edge registers its public half. */
  readonly poolKeyPath: string;
  readonly heartbeatIntervalMs: number;
  /** The pool's `extraFlags` in the stack's options. */
  readonly extraFlags: readonly string[];
}

/** A pool as its {@link PoolStarter} hands it to the local stack. */
export interface StartedPool {
  readonly url: string;
  /** The pool's own process; null for a pool running inside this process. */
  readonly pid: number | null;
  readonly process: PoolProcess;
  /** Stops the pool and resolves once it is gone. */
  stop(): Promise<void>;
}

/**
 * Starts one pool of the local stack. The default is {@link startPoolProcess}, a real gpu-node
 * process. Tests may run a pool inside their own process instead (`test/support/in-process-pool.ts`)
 * or as a process around a stepped engine (`test/support/stepped-pool-process.ts`); either way the
 * pool pushes its own signed heartbeats to the edge, so routing sees its real queue.
 */
export type PoolStarter = (settings: PoolStartSettings) => Promise<StartedPool>;

/** The gpu-node flags that tie a pool to the local edge: its id, the keys, and its heartbeats. */
export function gpuNodeFlags(settings: PoolStartSettings): string[] {
  return [
    '--pool-id',
    settings.poolId,
    '--port',
    '0',
    '--edge-public-key',
    settings.edgePublicKeyPath,
    '--edge-url',
    settings.edgeUrl,
    '--pool-key',
    settings.poolKeyPath,
    '--heartbeat-interval-ms',
    String(settings.heartbeatIntervalMs),
    ...settings.extraFlags,
  ];
}

/**
 * A {@link PoolStarter} that runs `script` (a gpu-node entry point) as a child process with
 * `leadingArgs` before the pool's gpu-node flags; stopping drains it.
 */
export function poolProcessStarter(script: string, leadingArgs: readonly string[] = []): PoolStarter {
  return async (settings) => {
    const started = await spawnPoolProcess(script, [...leadingArgs, ...gpuNodeFlags(settings)]);
    return {
      url: started.url,
      pid: started.process.pid ?? null,
      process: started.process,
      stop: () => stopProcess(started.process),
    };
  };
}

/** The default {@link PoolStarter}: `node gpu-node/main.ts` as a child process; stopping drains it. */
export const startPoolProcess: PoolStarter = poolProcessStarter(GPU_NODE_MAIN);

/**
 * Spawns a pool entry point (`gpu-node/main.ts`, or a test kit's) with `flags` and resolves once
 * it logs that it listens. With `ipc`, the child also gets a message channel to this process.
 */
export function spawnPoolProcess(
  script: string,
  flags: readonly string[],
  ipc = false,
): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, [script, ...flags], {
    stdio: ['ignore', 'pipe', 'inherit', ...(ipc ? ['ipc' as const] : [])],
  });
  // Miniflare's own SIGINT/SIGTERM handler exits this process before `npm start`'s can stop the
  // pools (it was registered first): a pool still running when this process exits is signalled
  // then, and drains and exits by itself instead of living on with its port.
  const stopOrphan = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stopOrphan);
  child.once('exit', () => process.removeListener('exit', stopOrphan));
  const { stdout } = child;
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} during start-up`)));
    if (!stdout) throw new Error('spawned without a stdout pipe');
    createInterface({ input: stdout }).on('line', (line) => {
      if (process.env.SPILLWAY_POOL_LOGS === '1') process.stdout.write(`${line}\n`);
      const match = /"url":"(http:\/\/[^"]+)".*gpu-node listening/.exec(line);
      if (match?.[1]) resolve({ url: match[1], process: child });
    });
  });
}

/** SIGTERM (gpu-node drains), then SIGKILL after {@link STOP_GRACE_MS}; resolves once it exited. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}
