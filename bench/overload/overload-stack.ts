import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import { coreShareFlags, type LocalStack, startLocalStack } from '../../scripts/local-stack/local-stack.ts';
import type { PoolStarter } from '../../scripts/local-stack/pool-process.ts';
import type { TenantLimitsInput, Tier } from '../../shared/index.ts';

/** The three gpu-node pools, one provider each, as `startTestStack({ withPoolC: true })` runs them. */
export const OVERLOAD_POOLS = [
  { id: 'pool-a', provider: 'provider-a' },
  { id: 'pool-b', provider: 'provider-b' },
  { id: 'pool-c', provider: 'provider-c' },
] as const;

/** How the edge and pools of the overload stack run: the operator's settings under test. */
export interface OverloadStackSettings {
  readonly heartbeatIntervalMs: number;
  readonly telemetryTtlMs: number;
  /** Worker vars: `TIER_SLOWDOWN_LIMITS`, `TIER_LIMITS` (JSON). */
  readonly edgeVars: Readonly<Record<string, string>>;
  /** gpu-node flags for every pool, after the core share. */
  readonly poolFlags: readonly string[];
  /** How each pool runs: a gpu-node process on ONNX Runtime unless given (`pacedPoolStarter`). */
  readonly startPool?: PoolStarter;
}

/** A tenant the load sends as. */
export interface OverloadTenant {
  readonly id: string;
  readonly tier: Tier;
  readonly apiKey: string;
}

/** The running stack and what the bench needs of it. */
export interface OverloadStack {
  readonly stack: LocalStack;
  /** Registers a tenant and mints its API key. */
  addTenant(id: string, tier: Tier): Promise<OverloadTenant>;
  /** `PUT /v1/admin/tenants/{id}/limits`. */
  setLimits(tenantId: string, limits: TenantLimitsInput): Promise<void>;
  /** Stops every process and removes the temporary folder; a second call waits for the first. */
  stop(): Promise<void>;
}

/**
 * The local stack with three real gpu-node processes sharing the host's cores and the edge in
 * workerd (storage in memory), configured by `settings.edgeVars` as an operator would.
 */
export async function startOverloadStack(settings: OverloadStackSettings): Promise<OverloadStack> {
  const folder = await mkdtemp(join(tmpdir(), 'spillway-overload-'));
  const flags = [...coreShareFlags(OVERLOAD_POOLS.length, settings.poolFlags), ...settings.poolFlags];
  try {
    const stack = await startLocalStack({
      stateFolder: folder,
      devVarsPath: join(folder, '.dev.vars'),
      edgePort: 0,
      persistFolder: null,
      heartbeatIntervalMs: settings.heartbeatIntervalMs,
      telemetryTtlMs: settings.telemetryTtlMs,
      edgeVars: settings.edgeVars,
      pools: OVERLOAD_POOLS.map((pool) => ({
        ...pool,
        region: 'local',
        extraFlags: flags,
        ...(settings.startPool ? { startPool: settings.startPool } : {}),
      })),
    });
    const admin = adminClient(stack.edgeUrl, stack.operatorToken);
    let stopped: Promise<void> | null = null;
    return {
      stack,
      addTenant: async (id, tier) => {
        await admin.putTenant({ id, name: id, tier });
        const { key } = await admin.mintKey(id);
        return { id, tier, apiKey: key };
      },
      setLimits: async (tenantId, limits) => {
        const response = await fetch(`${stack.edgeUrl}/v1/admin/tenants/${tenantId}/limits`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${stack.operatorToken}`, 'content-type': 'application/json' },
          body: JSON.stringify(limits),
        });
        const text = await response.text();
        if (!response.ok) throw new Error(`limits of ${tenantId}: ${response.status} ${text}`);
      },
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
