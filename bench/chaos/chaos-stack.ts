import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreShareFlags, type LocalStack, startLocalStack } from '../../scripts/local-stack/local-stack.ts';
import { type ChaosPool, chaosPool } from './chaos-pools.ts';

/** The three pools, one provider each, as `startTestStack({ withPoolC: true })` names them. */
export const CHAOS_POOL_IDS = ['pool-a', 'pool-b', 'pool-c'] as const;

/** How the chaos stack's edge and pools report. */
export interface ChaosStackSettings {
  readonly heartbeatIntervalMs: number;
  readonly telemetryTtlMs: number;
}

/** The local stack with handles on the pools the faults act on. */
export interface ChaosStack {
  readonly stack: LocalStack;
  /** Each pool's fault handles, by pool id. */
  readonly pools: ReadonlyMap<string, ChaosPool>;
  /** Stops every process and removes the stack's temporary folder; a second call waits for the first. */
  stop(): Promise<void>;
}

/**
 * The stack `npm start` runs, with a third pool: the edge in workerd with its storage persisted to
 * a temporary folder (so a workerd restart keeps jobs, alarms and results), three real gpu-node
 * pools sharing the host's cores, each its own provider, and a demo tenant.
 */
export async function startChaosStack(settings: ChaosStackSettings): Promise<ChaosStack> {
  const folder = await mkdtemp(join(tmpdir(), 'spillway-chaos-'));
  const pools = new Map(CHAOS_POOL_IDS.map((id) => [id, chaosPool()]));
  const cores = coreShareFlags(pools.size, []);
  try {
    const stack = await startLocalStack({
      stateFolder: folder,
      devVarsPath: join(folder, '.dev.vars'),
      edgePort: 0,
      persistFolder: join(folder, 'edge-state'),
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      telemetryTtlMs: settings.telemetryTtlMs,
      pools: [...pools].map(([id, pool]) => ({
        id,
        provider: id.replace('pool', 'provider'),
        region: 'local',
        extraFlags: cores,
        startPool: pool.start,
      })),
    });
    let stopped: Promise<void> | null = null;
    return {
      stack,
      pools,
      stop: () => {
        stopped ??= stack.stop().then(() => rm(folder, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (error) {
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
}
