import { fileURLToPath } from 'node:url';
import { PACED_STEP_FLAG } from '../../gpu-node/testing/paced-device.ts';
import { type PoolStarter, poolProcessStarter } from '../../scripts/local-stack/pool-process.ts';

const PACED_POOL_MAIN = fileURLToPath(new URL('../../gpu-node/testing/paced-pool-main.ts', import.meta.url));

/**
 * Starts each pool as a real gpu-node process around a device of a fixed speed
 * (`gpu-node/testing/paced-pool-main.ts`): the pools' HTTP, scheduler, heartbeats and PNGs still
 * run on this host, their steps do not. `stepMs` is `FIXED+PER_MEGAPIXEL`.
 */
export function pacedPoolStarter(stepMs: string): PoolStarter {
  return poolProcessStarter(PACED_POOL_MAIN, [PACED_STEP_FLAG, stepMs]);
}
