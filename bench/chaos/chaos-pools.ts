import type { ChildProcess } from 'node:child_process';
import {
  gpuNodeFlags,
  type PoolProcess,
  type PoolStarter,
  spawnPoolProcess,
  stopProcess,
} from '../../scripts/local-stack/pool-process.ts';
import { type HttpRelay, startHttpRelay } from './http-relay.ts';

/** The entry point of a real pool, as `npm run gpu-node` runs it. */
const GPU_NODE_MAIN = 'gpu-node/main.ts';

/**
 * A real gpu-node pool the faults can act on. The edge knows it by the URL of a relay in front of
 * it, so every dispatch the edge sends it is recorded, also after a SIGKILL (nothing listens then
 * and the relay hangs up as the dead port would refuse), and that URL stays the pool's across a
 * restart. Its heartbeats reach the edge through a second relay, which the bench can cut.
 */
export interface ChaosPool {
  /** The local stack's {@link PoolStarter} for this pool; call once. */
  readonly start: PoolStarter;
  /** What the edge sent to the pool's registered URL. */
  front(): HttpRelay;
  /** Stops (true) or lets through again (false) the pool's heartbeats; serving is untouched. */
  cutHeartbeats(cut: boolean): void;
  /** Starts a fresh gpu-node process with the first start's settings; the old one must be gone. */
  restart(): Promise<void>;
}

/** A {@link ChaosPool}. */
export function chaosPool(): ChaosPool {
  let relays: { front: HttpRelay; heartbeats: HttpRelay } | null = null;
  let current: { url: string; process: ChildProcess } | null = null;
  let flags: string[] = [];
  const running = () => {
    if (!current) throw new Error('the pool was not started');
    return current;
  };
  const started = () => {
    if (!relays) throw new Error('the pool was not started');
    return relays;
  };
  // The stack's handle follows whichever process serves the pool now.
  const handle: PoolProcess = {
    get exitCode() {
      return running().process.exitCode;
    },
    get signalCode() {
      return running().process.signalCode;
    },
    kill: (signal) => running().process.kill(signal),
  };
  return {
    front: () => started().front,
    cutHeartbeats: (cut) => started().heartbeats.setCut(cut),
    start: async (settings) => {
      const edge = settings.edgeUrl;
      const heartbeats = await startHttpRelay(() => edge);
      const front = await startHttpRelay(() => running().url);
      relays = { front, heartbeats };
      flags = gpuNodeFlags({ ...settings, edgeUrl: heartbeats.url });
      const closeRelays = async () => {
        await front.close();
        await heartbeats.close();
      };
      current = await spawnPoolProcess(GPU_NODE_MAIN, flags).catch(async (error: unknown) => {
        await closeRelays();
        throw error;
      });
      return {
        url: front.url,
        pid: current.process.pid ?? null,
        process: handle,
        stop: async () => {
          await stopProcess(running().process);
          await closeRelays();
        },
      };
    },
    restart: async () => {
      const { process } = running();
      if (process.exitCode === null && process.signalCode === null)
        throw new Error('restart asked while the pool still runs');
      current = await spawnPoolProcess(GPU_NODE_MAIN, flags);
    },
  };
}
