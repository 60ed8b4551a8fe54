import {
  applyShardDelta,
  mergeShards,
  type ShardCursor,
  type ShardDelta,
  type ShardState,
} from './fleet-delta.ts';
import type { FleetSnapshot } from './fleet-records.ts';
import type { OutcomeSummary } from './outcome-ledger.ts';
import type { ShardedFleet } from './sharded-fleet.ts';
import type { SharedShardCopies } from './shared-shard-copies.ts';
import { emptySourceStats, type SourceStats } from './source-stats.ts';

/** The list of regions is read from the directory at most this often per isolate, ms. */
export const REGIONS_MAX_AGE_MS = 3_000;

/** A region counts as routed to while the isolate sent a request to one of its pools this recently, ms. */
export const ROUTED_REGION_WINDOW_MS = 30_000;

/**
 * A region not routed to lately is read again once its copy is this old, ms: often enough that a
 * request spilling there finds figures a few seconds old, rarely enough that a shard is read by
 * the isolates that route to it, not by every isolate in the world (docs/scaling.md).
 */
export const UNROUTED_REGION_READ_MS = 5_000;

/** What a {@link FleetSnapshotSource} reads from. */
export interface FleetSourceOptions {
  readonly fleet: ShardedFleet;
  readonly now: () => number;
  /** The isolate's outcome summary, taken on each refresh (`OutcomeLedger`). */
  readonly summary?: () => OutcomeSummary;
  /** Copies shared in this location (Cache API), or null. */
  readonly shared: SharedShardCopies | null;
  /**
   * When this isolate last sent a request to each pool (epoch ms), to read only the regions it
   * routes to every time (`ROUTED_REGION_WINDOW_MS`) and the rest every
   * `UNROUTED_REGION_READ_MS`. Without it every region is read every time.
   */
  readonly routedPools?: () => ReadonlyMap<string, number>;
}

/**
 * An isolate's copy of the fleet over region shards (docs/scaling.md): each refresh brings the
 * shards' copies up to date with a delta ("changes since my version"), from a copy shared in this
 * location when one is young enough, else from the shard (which answers a full read when it cannot
 * answer a delta). With `routedPools`, a region the isolate has not routed to lately is read only
 * every {@link UNROUTED_REGION_READ_MS} and kept in between (its pools judged as of that read,
 * `PoolView.heldSince`). The list of shards comes from the directory every
 * {@link REGIONS_MAX_AGE_MS}, shared in the location the same way.
 */
export class FleetSnapshotSource {
  readonly #options: FleetSourceOptions;
  readonly #shards = new Map<string, ShardState>();
  readonly #summarised = new Set<string>();
  /** When this source last brought each region's copy up to date, on its own clock. */
  readonly #readAt = new Map<string, number>();
  #regions: { list: readonly string[]; at: number } | null = null;
  readonly stats: SourceStats = emptySourceStats();

  constructor(options: FleetSourceOptions) {
    this.#options = options;
  }

  /**
   * The fleet now. `fresh`: read every shard itself, not a shared copy (after this isolate wrote
   * to the registry, it must see its own write).
   */
  async load(fresh = false): Promise<FleetSnapshot> {
    const now = this.#options.now();
    this.stats.refreshes += 1;
    if (fresh || this.#regions === null || now - this.#regions.at > REGIONS_MAX_AGE_MS) {
      this.#regions = { list: await this.#readRegions(fresh), at: now };
    }
    const regions = this.#regions.list;
    for (const region of this.#shards.keys()) {
      if (regions.includes(region)) continue;
      this.#shards.delete(region);
      this.#readAt.delete(region);
    }
    const summary = this.#options.summary?.();
    const routed = fresh ? null : this.#routedRegions(now, summary);
    const held = new Map<string, ShardState>();
    const reading: string[] = [];
    for (const region of regions) {
      const state = this.#shards.get(region);
      const readAt = this.#readAt.get(region) ?? Number.NEGATIVE_INFINITY;
      if (routed && state && !routed.has(region) && now - readAt < UNROUTED_REGION_READ_MS) {
        held.set(region, state);
      } else reading.push(region);
    }
    this.stats.heldRegions += held.size;
    const states = await Promise.all(reading.map((region) => this.#refresh(region, summary, fresh)));
    for (const region of reading) this.#readAt.set(region, now);
    return mergeShards(states, now, held);
  }

  /**
   * The regions holding a pool this isolate sent a request to within `ROUTED_REGION_WINDOW_MS`,
   * or one the isolate's outcome summary reports on (the read delivers it: a request that ran
   * longer than the window still has its outcome reach its pool's shard), or null to read every
   * region: no routing record, or an isolate that routed nowhere lately (a quiet one, or one that
   * only takes heartbeats), whose next request may go anywhere.
   */
  #routedRegions(now: number, summary: OutcomeSummary | undefined): Set<string> | null {
    const sentAt = this.#options.routedPools?.();
    if (!sentAt) return null;
    const routed = new Set<string>();
    const addRegionOf = (poolId: string) => {
      for (const [region, state] of this.#shards) {
        if (!state.entries.has(poolId)) continue;
        routed.add(region);
        return;
      }
    };
    for (const [poolId, at] of sentAt) if (now - at <= ROUTED_REGION_WINDOW_MS) addRegionOf(poolId);
    for (const outcome of summary?.pools ?? []) addRegionOf(outcome.poolId);
    return routed.size > 0 ? routed : null;
  }

  /** The directory's list of regions, from a copy shared in this location when one is young enough. */
  async #readRegions(fresh: boolean): Promise<readonly string[]> {
    const shared = this.#options.shared;
    const copy = fresh ? null : await shared?.readRegions(REGIONS_MAX_AGE_MS).catch(() => null);
    if (copy) return copy;
    const regions = await this.#options.fleet.regions();
    await shared?.writeRegions(regions, REGIONS_MAX_AGE_MS).catch(() => undefined);
    return regions;
  }

  async #refresh(region: string, summary: OutcomeSummary | undefined, fresh: boolean): Promise<ShardState> {
    const held = this.#shards.get(region) ?? null;
    const own = summary && this.#summaryFor(region, held, summary);
    const shared = fresh ? null : await this.#options.shared?.read(region).catch(() => null);
    const fromShared = shared ? applyShardDelta(held, shared) : null;
    if (fromShared) {
      this.stats.sharedHits += 1;
      this.#shards.set(region, fromShared);
      // The outcome summary still reaches the shard's reports on pulled pools.
      if (own) await this.#options.fleet.shard(region).absorbOutcomes(own);
      return fromShared;
    }
    const cursor: ShardCursor | null = held && { epoch: held.epoch, version: held.version };
    const delta: ShardDelta = await this.#options.fleet.shard(region).changesSince(cursor, own);
    const json = JSON.stringify(delta);
    this.stats.shardReads += 1;
    if (delta.since === null) {
      this.stats.fullReads += 1;
      this.stats.fullBytes += json.length;
    } else {
      this.stats.deltaBytes += json.length;
    }
    await this.#options.shared?.write(region, json).catch(() => undefined);
    const next = applyShardDelta(held, delta) ?? applyShardDelta(null, delta);
    if (next === null) throw new Error(`shard ${region} answered a delta from after the asked version`);
    this.#shards.set(region, next);
    return next;
  }

  /**
   * The part of the isolate's summary about this shard's pools; undefined when there is none and
   * none was sent before (an empty one clears what the shard holds from this isolate).
   */
  #summaryFor(region: string, held: ShardState | null, summary: OutcomeSummary): OutcomeSummary | undefined {
    const pools = summary.pools.filter((outcome) => held?.entries.has(outcome.poolId));
    if (pools.length === 0 && !this.#summarised.has(region)) return undefined;
    if (pools.length === 0) this.#summarised.delete(region);
    else this.#summarised.add(region);
    return { isolateId: summary.isolateId, pools };
  }
}
