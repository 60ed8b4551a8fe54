import type { EngineStarter, PoolEngine } from '../../gpu-node/pool-engine.ts';
import { startTestPool, type TestPool, type TestPoolSettings } from '../../gpu-node/testing/test-pool.ts';
import type { PoolProcess, PoolStarter } from '../../scripts/local-stack/pool-process.ts';

/**
 * A pool of the local stack started inside the test's process around an engine the test holds or
 * steps (`gpu-node/testing/test-pool.ts`): the real composition root, scheduler and HTTP server,
 * registered with the edge and pushing its own signed heartbeats, so routing sees its real queue.
 * Give {@link InProcessPool.start} as the pool's `startPool`.
 */
export interface InProcessPool<Engine extends PoolEngine> {
  readonly start: PoolStarter;
  /** The running pool, with its engine and scheduler; throws before the stack started it. */
  readonly pool: TestPool<Engine>;
}

/**
 * An {@link InProcessPool} around the engine `startEngine` makes (`startHeldEnginePool`,
 * `startFakeEngine`), with gpu-node `settings` by their config names; auth is on, with the edge's
 * key, so only the edge's dispatch tokens reach it.
 */
export function inProcessPool<Engine extends PoolEngine>(
  startEngine: (...starter: Parameters<EngineStarter>) => Promise<Engine>,
  settings: TestPoolSettings = {},
): InProcessPool<Engine> {
  let running: TestPool<Engine> | undefined;
  return {
    async start(start) {
      if (start.extraFlags.length > 0) {
        throw new Error(`pool ${start.poolId} runs in this process: give it settings, not flags`);
      }
      const pool = await startTestPool(startEngine, {
        poolId: start.poolId,
        edgeUrl: start.edgeUrl,
        edgePublicKey: start.edgePublicKeyPath,
        poolKey: start.poolKeyPath,
        heartbeatIntervalMs: start.heartbeatIntervalMs,
        insecureNoAuth: false,
        ...settings,
      });
      running = pool;
      let stopped = false;
      const standIn: PoolProcess = {
        get exitCode() {
          return stopped ? 0 : null;
        },
        signalCode: null,
        kill() {
          throw new Error(`pool ${start.poolId} runs inside the test's process: there is nothing to signal`);
        },
      };
      return {
        url: pool.url,
        pid: null,
        process: standIn,
        async stop() {
          stopped = true;
          await pool.stop();
        },
      };
    },
    get pool() {
      if (!running) throw new Error('the in-process pool has not been started yet');
      return running;
    },
  };
}
