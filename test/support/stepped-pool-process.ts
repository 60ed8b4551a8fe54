import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type {
  SteppedPoolCommand,
  SteppedPoolReply,
  SteppedPoolState,
  SubmittedSample,
} from '../../gpu-node/testing/stepped-pool-protocol.ts';
import {
  gpuNodeFlags,
  type PoolStarter,
  spawnPoolProcess,
  stopProcess,
} from '../../scripts/local-stack/pool-process.ts';

/** The test kit's pool entry point: gpu-node around a fake engine driven over IPC. */
const STEPPED_POOL_MAIN = 'gpu-node/testing/stepped-pool-main.ts';

/** Distributes `Omit` over a union, so each command keeps its own fields. */
type WithoutId<Command> = Command extends unknown ? Omit<Command, 'id'> : never;

/**
 * A pool of the local stack run as its own gpu-node process (so SIGSTOP and SIGKILL reach it)
 * around a fake engine this test steps: a job there is running or queued exactly as long as the
 * test says, however fast the host computes. Give {@link SteppedPool.start} as the pool's
 * `startPool`; the engine runs freely (work just completes) until the test pauses it.
 */
export interface SteppedPool {
  readonly start: PoolStarter;
  /** One step of the batch: every sample in it advances, finished ones are answered. */
  step(): Promise<SteppedPoolState>;
  /** Steps on its own from now on, so work completes without the test. */
  runFreely(): Promise<SteppedPoolState>;
  /** Stops stepping on its own: samples stay where they are until {@link SteppedPool.step}. */
  pause(): Promise<SteppedPoolState>;
  /** Resolves once the engine was handed `count` samples in all. */
  whenSubmitted(count: number): Promise<SteppedPoolState>;
  state(): Promise<SteppedPoolState>;
}

/** A {@link SteppedPool}, started when the stack calls its `start`. */
export function steppedPoolProcess(): SteppedPool {
  let child: ChildProcess | undefined;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (state: SteppedPoolState) => void; reject: (error: Error) => void }
  >();
  const send = (command: WithoutId<SteppedPoolCommand>): Promise<SteppedPoolState> => {
    const running = child;
    if (!running?.connected) return Promise.reject(new Error('the stepped pool is not running'));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      running.send({ ...command, id });
    });
  };
  return {
    async start(settings) {
      const modelDir = mkdtempSync(join(tmpdir(), 'spillway-stepped-pool-'));
      const started = await spawnPoolProcess(
        STEPPED_POOL_MAIN,
        [...gpuNodeFlags(settings), '--model-dir', modelDir],
        true,
      );
      child = started.process;
      child.on('message', (message) => {
        const reply = message as SteppedPoolReply;
        pending.get(reply.id)?.resolve(reply.state);
        pending.delete(reply.id);
      });
      child.once('exit', (code, signal) => {
        for (const waiter of pending.values()) {
          waiter.reject(new Error(`the stepped pool exited (${signal ?? code}) before it answered`));
        }
        pending.clear();
      });
      await send({ kind: 'run-freely' });
      const process = started.process;
      return { url: started.url, pid: process.pid ?? null, process, stop: () => stopProcess(process) };
    },
    step: () => send({ kind: 'step' }),
    runFreely: () => send({ kind: 'run-freely' }),
    pause: () => send({ kind: 'pause' }),
    whenSubmitted: (count) => send({ kind: 'when-submitted', count }),
    state: () => send({ kind: 'state' }),
  };
}

/** The samples of the job with this prompt that the engine was handed (prompts name test jobs). */
export function samplesOf(state: SteppedPoolState, prompt: string): SubmittedSample[] {
  return state.submitted.filter((sample) => sample.prompt === prompt);
}
