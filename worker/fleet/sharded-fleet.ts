import type { PoolInput, TelemetryReport } from '../../shared/index.ts';
import type { SuspicionReason } from '../routing/index.ts';
import type { RpcValue } from '../storage/rpc-value.ts';
import type { FleetSnapshot, PoolRecord, ProviderRecord, StoredProviderInput } from './fleet-records.ts';
import type { FleetRegistry } from './fleet-registry.ts';
import type {
  DeletePoolResult,
  DeleteProviderResult,
  PutPoolResult,
  PutProviderResult,
  RecordTelemetryResult,
  SetPoolFlagResult,
} from './fleet-results.ts';
import type { OutcomeSummary } from './outcome-ledger.ts';

/** A registry object's stub. */
export type RegistryStub = DurableObjectStub<FleetRegistry>;

/** The directory object's name: providers, and which region's shard holds each pool. */
export const DIRECTORY_NAME = 'fleet';

/** The name of the shard holding a region's pools. */
export function shardName(region: string): string {
  return `${DIRECTORY_NAME}:${region}`;
}

/**
 * The registry as one object to its callers (admin routes, heartbeats, isolates' reports), over
 * region shards (docs/scaling.md): pools and their telemetry live in `fleet:<region>`, providers
 * in the directory `fleet` with a copy in every shard, and the directory knows each pool's region.
 * Same methods and results as {@link FleetRegistry}.
 */
export class ShardedFleet {
  readonly #namespace: DurableObjectNamespace<FleetRegistry>;

  constructor(namespace: DurableObjectNamespace<FleetRegistry>) {
    this.#namespace = namespace;
  }

  /** The directory object. */
  get directory(): RegistryStub {
    return this.#namespace.getByName(DIRECTORY_NAME);
  }

  /** The shard of a region. */
  shard(region: string): RegistryStub {
    return this.#namespace.getByName(shardName(region));
  }

  /**
   * Every region holding a pool. Pools the directory still holds in its own tables, registered
   * before the registry was sharded, are first moved into their regions' shards
   * (`#adoptUnshardedPools`): no snapshot reads the directory's tables, so until then routing
   * would not see them.
   */
  async regions(): Promise<string[]> {
    const { regions, unshardedPools } = await this.directory.placement();
    if (unshardedPools === 0) return regions;
    await this.#adoptUnshardedPools();
    return this.directory.regions();
  }

  /**
   * Moves each pool of the directory's own tables into its region's shard as the admin API would
   * register it, with its operator switches, then drops the directory's row; its telemetry is not
   * moved (the pool's next heartbeat lands in the shard). Safe to run twice at once or to resume:
   * registering is idempotent, and a row already gone is skipped. A pool whose registration is
   * refused stays where it is, for the operator (`GET /v1/admin/pools` does not list it).
   */
  async #adoptUnshardedPools(): Promise<void> {
    for (const record of await this.directory.listPools()) {
      const { enabled, draining, created_at: _created, updated_at: _updated, ...input } = record;
      const put = await this.putPool(input);
      if (!put.ok) continue;
      if (draining && !put.pool.draining) await this.setDraining(record.id, true);
      if (!enabled && put.pool.enabled) await this.setEnabled(record.id, false);
      await this.directory.deletePool(record.id);
    }
  }

  /** As {@link FleetRegistry.putProvider}, copied into every shard. */
  async putProvider(input: StoredProviderInput): Promise<PutProviderResult> {
    const current = await this.directory.storedProvider(input.id);
    const changesProtocol = input.protocol !== undefined && current?.protocol !== input.protocol;
    if (current && changesProtocol && (await this.directory.providerPlaced(input.id))) {
      return { ok: false, reason: 'protocol_in_use' };
    }
    const result = await this.directory.putProvider(input);
    if (result.ok) await this.#copyProvider(input.id, await this.regions());
    return result;
  }

  async #copyProvider(id: string, regions: readonly string[]): Promise<boolean> {
    const stored = await this.directory.storedProvider(id);
    if (stored === null) return false;
    await Promise.all(regions.map((region) => this.shard(region).putProvider(stored)));
    return true;
  }

  /** All providers, by id. */
  listProviders(): Promise<ProviderRecord[]> {
    return this.directory.listProviders();
  }

  /** As {@link FleetRegistry.deleteProvider}: refused while any shard holds one of its pools. */
  async deleteProvider(id: string): Promise<DeleteProviderResult> {
    if ((await this.directory.storedProvider(id)) === null) {
      return { ok: false, reason: 'not_found' };
    }
    if (await this.directory.providerPlaced(id)) return { ok: false, reason: 'has_pools' };
    const result = await this.directory.deleteProvider(id);
    await Promise.all((await this.regions()).map((region) => this.shard(region).deleteProvider(id)));
    return result;
  }

  /**
   * As {@link FleetRegistry.putPool}, in the shard of the pool's region. A pool that moves region
   * leaves its old shard and keeps its operator switches.
   */
  async putPool(input: PoolInput): Promise<PutPoolResult> {
    const target = this.shard(input.region);
    if (!(await this.#copyProvider(input.provider_id, [input.region]))) {
      return { ok: false, reason: 'unknown_provider' };
    }
    const previousRegion = await this.directory.regionOf(input.id);
    const moved = previousRegion !== null && previousRegion !== input.region;
    const before = moved ? await this.shard(previousRegion).getPool(input.id) : null;
    const result = await target.putPool(input);
    if (!result.ok) return result;
    await this.directory.placePool(input.id, input.region, input.provider_id);
    if (!moved) return result;
    await this.shard(previousRegion).deletePool(input.id);
    let pool = result.pool;
    for (const switched of [
      before?.draining ? await target.setDraining(input.id, true) : null,
      before && !before.enabled ? await target.setEnabled(input.id, false) : null,
    ]) {
      if (switched?.ok) pool = switched.pool;
    }
    return { ok: true, pool };
  }

  /** All pools of every shard, by id. */
  async listPools(): Promise<RpcValue<PoolRecord>[]> {
    const listed = await Promise.all((await this.regions()).map((region) => this.shard(region).listPools()));
    return listed.flat().sort((first, second) => compareIds(first.id, second.id));
  }

  /** One pool, or null. */
  async getPool(id: string): Promise<RpcValue<PoolRecord> | null> {
    return (await this.#shardOf(id))?.getPool(id) ?? null;
  }

  /** Removes a pool from its shard and the directory. */
  async deletePool(id: string): Promise<DeletePoolResult> {
    const shard = await this.#shardOf(id);
    if (shard === null) return { ok: false, reason: 'not_found' };
    const result = await shard.deletePool(id);
    await this.directory.unplacePool(id);
    return result;
  }

  /** The operator's drain switch. */
  async setDraining(id: string, draining: boolean): Promise<SetPoolFlagResult> {
    return (await this.#shardOf(id))?.setDraining(id, draining) ?? { ok: false, reason: 'not_found' };
  }

  /** The operator's on/off switch. */
  async setEnabled(id: string, enabled: boolean): Promise<SetPoolFlagResult> {
    return (await this.#shardOf(id))?.setEnabled(id, enabled) ?? { ok: false, reason: 'not_found' };
  }

  /** As {@link FleetRegistry.recordTelemetry}, in the pool's shard (looked up in the directory). */
  async recordTelemetry(
    poolId: string,
    report: TelemetryReport,
    receivedAt: number,
  ): Promise<RecordTelemetryResult> {
    const shard = await this.#shardOf(poolId);
    return shard === null
      ? { ok: false, reason: 'unknown_pool' }
      : shard.recordTelemetry(poolId, report, receivedAt);
  }

  /** As {@link FleetRegistry.reportSuspect}, in the pool's shard. */
  async reportSuspect(poolId: string, reason: SuspicionReason = 'refused'): Promise<boolean> {
    return (await this.#shardOf(poolId))?.reportSuspect(poolId, reason) ?? false;
  }

  /** As {@link FleetRegistry.reportBackoff}, in the pool's shard. */
  async reportBackoff(poolId: string, until: number): Promise<boolean> {
    return (await this.#shardOf(poolId))?.reportBackoff(poolId, until) ?? false;
  }

  /**
   * A full read of every shard, merged (the admin listing; isolates read deltas instead, through
   * `FleetSnapshotSource`). The version is the sum of the shards'.
   */
  async snapshot(summary?: OutcomeSummary): Promise<RpcValue<FleetSnapshot>> {
    const now = Date.now();
    const shards = await Promise.all(
      (await this.regions()).map((region) => this.shard(region).snapshot(summary)),
    );
    return {
      version: shards.reduce((sum, shard) => sum + shard.version, 0),
      taken_at: shards.reduce((oldest, shard) => Math.min(oldest, shard.taken_at), now),
      pools: shards
        .flatMap((shard) => shard.pools)
        .sort((first, second) => compareIds(first.pool.id, second.pool.id)),
    };
  }

  async #shardOf(poolId: string): Promise<RegistryStub | null> {
    const region = await this.directory.regionOf(poolId);
    return region === null ? null : this.shard(region);
  }
}

function compareIds(first: string, second: string): number {
  if (first === second) return 0;
  return first < second ? -1 : 1;
}
