import type { SuspicionReason } from '../routing/index.ts';
import type { RpcValue } from '../storage/rpc-value.ts';
import { recordBackoff } from './fleet-backoff.ts';
import { markPoolChanged } from './fleet-changes.ts';
import type { ShardCursor, ShardDelta } from './fleet-delta.ts';
import type { RegistryLoad } from './fleet-load.ts';
import type { FleetSnapshot, StoredProvider } from './fleet-records.ts';
import { placedRegions, placePool, providerPlaced, regionOf, unplacePool } from './fleet-regions.ts';
import { FleetRegistryCore } from './fleet-registry-core.ts';
import type { ProviderRow } from './fleet-rows.ts';
import { readFleetSnapshot, readShardDelta } from './fleet-snapshot.ts';
import { recordSuspicion } from './fleet-suspicion.ts';
import type { OutcomeSummary } from './outcome-ledger.ts';
import { OBSERVED_REPORT_INTERVAL_MS } from './pull-telemetry.ts';
import { pulledPools } from './pull-telemetry-host.ts';

/**
 * The fleet registry: providers, pools with the operator's switches, and each pool's latest
 * telemetry, in SQLite storage. One object per region (`fleet:<region>`, a shard holding that
 * region's pools and a copy of the providers), and one named `fleet`, the directory: providers
 * and which region holds each pool. Code reaches them through `fleetRegistryOf` (`ShardedFleet`).
 *
 * @example
 * const fleet = fleetRegistryOf(env);
 * const result = await fleet.putPool(poolInputSchema.parse(body));
 * if (!result.ok) console.warn(result.reason); // 'unknown_provider'
 * const snapshot = await fleet.snapshot();
 */
export class FleetRegistry extends FleetRegistryCore {
  /**
   * An isolate's report that the pool refused connections (`refused`: suspect until its next
   * report) or went quiet mid-job (`stalled`: until its figures move, since a stalled pool may keep
   * reporting frozen ones); no isolate routes to it meanwhile, 30 s at most. False for an unknown
   * pool.
   */
  async reportSuspect(poolId: string, reason: SuspicionReason = 'refused'): Promise<boolean> {
    const recorded = recordSuspicion(this.sql, poolId, Date.now(), reason);
    if (recorded) markPoolChanged(this.sql, poolId);
    return recorded;
  }

  /**
   * A pool asked (`Retry-After`) for no traffic until `until` (epoch ms): every isolate skips it
   * until then. False for an unknown pool.
   */
  async reportBackoff(poolId: string, until: number): Promise<boolean> {
    const recorded = recordBackoff(this.sql, poolId, until);
    if (recorded) markPoolChanged(this.sql, poolId);
    return recorded;
  }

  /**
   * Every pool with its provider and latest telemetry, and the version they were read at. An
   * isolate hands in its outcome summary on the same call (`OutcomeLedger`), which feeds the
   * reports on pools that push none.
   */
  async snapshot(summary?: OutcomeSummary): Promise<RpcValue<FleetSnapshot>> {
    const now = Date.now();
    if (summary) this.pull.absorb(summary, now);
    this.coalescer.flush();
    this.countRead(true);
    return readFleetSnapshot(this.sql, now);
  }

  /**
   * The changes since `cursor` (everything when null, or when this shard cannot answer a delta
   * from there: other storage, or removals it no longer remembers). `summary` as in `snapshot`.
   */
  async changesSince(cursor: ShardCursor | null, summary?: OutcomeSummary): Promise<RpcValue<ShardDelta>> {
    const now = Date.now();
    if (summary) this.pull.absorb(summary, now);
    // Waiting refreshes first: freshness must not be judged on timestamps still in memory.
    this.coalescer.flush();
    const delta = readShardDelta(this.sql, cursor, now);
    this.countRead(delta.since === null);
    return delta;
  }

  /** An isolate's outcome summary alone, when it read this shard from a shared copy. */
  async absorbOutcomes(summary: OutcomeSummary): Promise<void> {
    this.counters.otherRequests += 1;
    this.pull.absorb(summary, Date.now());
  }

  /** What this object has served since it started (`bench/registry/`). */
  async load(): Promise<RegistryLoad> {
    return {
      ...this.counters,
      refreshedRows: this.coalescer.refreshedRows,
      writes: this.counters.writes + this.coalescer.flushes,
    };
  }

  private countRead(full: boolean): void {
    this.counters.reads += 1;
    if (full) this.counters.fullReads += 1;
    else this.counters.deltaReads += 1;
  }

  /** Directory: records that the pool lives in `region`'s shard; returns its previous region. */
  async placePool(poolId: string, region: string, providerId: string): Promise<string | null> {
    this.counters.writes += 1;
    return placePool(this.sql, poolId, region, providerId);
  }

  /** Directory: forgets a removed pool's region. */
  async unplacePool(poolId: string): Promise<void> {
    this.counters.writes += 1;
    unplacePool(this.sql, poolId);
  }

  /** Directory: the region whose shard holds the pool, or null. */
  async regionOf(poolId: string): Promise<string | null> {
    this.counters.otherRequests += 1;
    return regionOf(this.sql, poolId);
  }

  /** Directory: every region holding a pool. */
  async regions(): Promise<string[]> {
    this.counters.otherRequests += 1;
    return placedRegions(this.sql);
  }

  /**
   * Directory: every region holding a pool, and how many pools the directory still holds in its
   * own tables, written there before the registry was sharded (`ShardedFleet.regions` moves them).
   */
  async placement(): Promise<{ regions: string[]; unshardedPools: number }> {
    this.counters.otherRequests += 1;
    const [row] = this.sql.exec<{ count: number }>('SELECT COUNT(*) AS count FROM pools').toArray();
    return { regions: placedRegions(this.sql), unshardedPools: row?.count ?? 0 };
  }

  /** Directory: whether any shard holds a pool of the provider. */
  async providerPlaced(providerId: string): Promise<boolean> {
    return providerPlaced(this.sql, providerId);
  }

  /** A provider as a shard's copy needs it, sealed credential included, or null. */
  async storedProvider(id: string): Promise<StoredProvider | null> {
    const [row] = this.sql.exec<ProviderRow>('SELECT * FROM providers WHERE id = ?', id).toArray();
    if (row === undefined) return null;
    // Stored only from a parsed ProviderInput.
    const protocol = row.protocol as StoredProvider['protocol'];
    return {
      id: row.id,
      name: row.name,
      protocol,
      credentials_ref: row.credentials_ref,
      credentials_sealed: row.credentials_sealed,
    };
  }

  /**
   * Writes the reports of pools that push none (and probes them when due), every second: counted
   * from when this round began, so a slow probe does not stretch the time between reports.
   */
  override async alarm(): Promise<void> {
    const startedAt = Date.now();
    const pulled = pulledPools(this.sql);
    if (pulled.length === 0) return;
    await this.pull.tick(pulled, () => Date.now());
    await this.ctx.storage.setAlarm(startedAt + OBSERVED_REPORT_INTERVAL_MS);
  }
}
