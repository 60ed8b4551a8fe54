import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { fleetRegistryOf } from './fleet-registry-stub.ts';
import { FleetSnapshotSource, ROUTED_REGION_WINDOW_MS, UNROUTED_REGION_READ_MS } from './fleet-source.ts';
import type { PoolOutcomes } from './outcome-ledger.ts';
import { toPoolViews } from './pool-views.ts';
import { SharedShardCopies } from './shared-shard-copies.ts';
import { heartbeatKey } from './testing/signed-heartbeats.ts';

async function heartbeat(poolId: string, token: string): Promise<number> {
  const response = await exports.default.fetch(`http://edge.test/v1/pools/${poolId}/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/jwt' },
    body: token,
  });
  await response.arrayBuffer();
  return response.status;
}

/** Two pools of one provider in two regions of their own, registered through the sharded registry. */
async function twoRegions() {
  const fleet = fleetRegistryOf(env);
  const tag = crypto.randomUUID().slice(0, 8);
  const provider = `provider-${tag}`;
  await fleet.putProvider(providerInput({ id: provider }));
  const key = await heartbeatKey();
  const regions = { eu: `eu-${tag}`, us: `us-${tag}` };
  const pools = { eu: `pool-eu-${tag}`, us: `pool-us-${tag}` };
  for (const side of ['eu', 'us'] as const) {
    const put = await fleet.putPool(
      await poolInput({
        id: pools[side],
        provider_id: provider,
        region: regions[side],
        public_key: key.publicKey,
      }),
    );
    expect(put.ok).toBe(true);
  }
  return { fleet, key, regions, pools, provider };
}

describe('fleet registry: region shards', () => {
  it('shards: each pool lives in its region’s shard and its heartbeats land there', async () => {
    const { fleet, key, regions, pools } = await twoRegions();
    expect(await fleet.regions()).toEqual(expect.arrayContaining([regions.eu, regions.us]));
    expect((await fleet.shard(regions.eu).listPools()).map((pool) => pool.id)).toEqual([pools.eu]);
    const report = telemetryReport({ pool_id: pools.eu, timestamp: Date.now() });
    expect(await heartbeat(pools.eu, await key.sign(pools.eu, report))).toBe(204);
    const eu = await fleet.shard(regions.eu).snapshot();
    expect(eu.pools[0]?.telemetry?.timestamp).toBe(report.timestamp);
    const us = await fleet.shard(regions.us).snapshot();
    expect(us.pools.map((entry) => [entry.pool.id, entry.telemetry])).toEqual([[pools.us, null]]);
    // A heartbeat signed for one pool is refused for another, in any shard.
    expect(await heartbeat(pools.us, await key.sign(pools.eu, report))).toBe(401);
  });

  it('shards: the merged snapshot, drains and removals read as one registry', async () => {
    const { fleet, regions, pools, provider } = await twoRegions();
    expect((await fleet.setDraining(pools.us, true)).ok).toBe(true);
    const merged = await fleet.snapshot();
    const ours = merged.pools.filter((entry) => entry.pool.provider_id === provider);
    expect(ours.map((entry) => [entry.pool.id, entry.pool.draining])).toEqual([
      [pools.eu, false],
      [pools.us, true],
    ]);
    expect(await fleet.deleteProvider(provider)).toEqual({ ok: false, reason: 'has_pools' });
    expect(await fleet.deletePool(pools.eu)).toEqual({ ok: true });
    expect(await fleet.getPool(pools.eu)).toBeNull();
    expect(await fleet.regions()).not.toContain(regions.eu);
    expect(await fleet.deletePool(pools.us)).toEqual({ ok: true });
    expect(await fleet.deleteProvider(provider)).toEqual({ ok: true });
  });

  it('shards: a pool moved to another region leaves its old shard and keeps its switches', async () => {
    const { fleet, regions, pools, provider } = await twoRegions();
    await fleet.setDraining(pools.eu, true);
    const moved = await fleet.putPool(
      await poolInput({ id: pools.eu, provider_id: provider, region: regions.us }),
    );
    expect(moved).toMatchObject({ ok: true, pool: { region: regions.us, draining: true } });
    expect(await fleet.shard(regions.eu).getPool(pools.eu)).toBeNull();
    expect((await fleet.getPool(pools.eu))?.region).toBe(regions.us);
  });

  it('shards: isolates in one location share a shard read through the Cache API', async () => {
    const { fleet, regions, pools } = await twoRegions();
    const now = () => Date.now();
    const shared = new SharedShardCopies(await caches.open(`fleet-test-${crypto.randomUUID()}`), now);
    const first = new FleetSnapshotSource({ fleet, now, shared });
    const second = new FleetSnapshotSource({ fleet, now, shared });
    const seen = await first.load();
    expect(seen.pools.map((entry) => entry.pool.id)).toEqual(expect.arrayContaining([pools.eu, pools.us]));
    expect(first.stats.shardReads).toBeGreaterThan(0);
    const copied = await second.load();
    expect(second.stats.sharedHits).toBeGreaterThan(0);
    expect(copied.pools.map((entry) => entry.pool.id)).toEqual(seen.pools.map((entry) => entry.pool.id));
    // After its own write an isolate reads past the shared copy.
    await fleet.setDraining(pools.us, true);
    const fresh = await second.load(true);
    expect(fresh.pools.find((entry) => entry.pool.id === pools.us)?.pool.draining).toBe(true);
    expect(regions.eu).not.toBe(regions.us);
  });

  it('shards: pools the directory held before sharding move into their shards at the next read of the regions, switches kept', async () => {
    const fleet = fleetRegistryOf(env);
    const tag = crypto.randomUUID().slice(0, 8);
    const provider = `provider-${tag}`;
    const region = `old-${tag}`;
    const plain = `pool-plain-${tag}`;
    const drained = `pool-drained-${tag}`;
    const disabled = `pool-disabled-${tag}`;
    await fleet.putProvider(providerInput({ id: provider }));
    // What the unsharded registry wrote: pools in the object named `fleet` itself.
    for (const id of [plain, drained, disabled]) {
      expect((await fleet.directory.putPool(await poolInput({ id, provider_id: provider, region }))).ok).toBe(
        true,
      );
    }
    await fleet.directory.setDraining(drained, true);
    await fleet.directory.setEnabled(disabled, false);
    expect(await fleet.getPool(plain)).toBeNull();

    expect(await fleet.regions()).toContain(region);
    expect(await fleet.directory.listPools()).toEqual([]);
    const moved = await fleet.shard(region).listPools();
    expect(moved.map((pool) => [pool.id, pool.draining, pool.enabled])).toEqual([
      [disabled, false, false],
      [drained, true, true],
      [plain, false, true],
    ]);
    const snapshot = await fleet.snapshot();
    expect(snapshot.pools.filter((entry) => entry.pool.region === region)).toHaveLength(3);
    // Once moved, a read of the regions moves nothing again.
    expect(await fleet.directory.placement()).toMatchObject({ unshardedPools: 0 });
  });

  it('shards: an isolate reads every time the regions it routes to, and the others every few seconds', async () => {
    const { fleet, regions, pools } = await twoRegions();
    let offsetMs = 0;
    const now = () => Date.now() + offsetMs;
    const sentAt = new Map<string, number>();
    let outcomes: PoolOutcomes[] = [];
    const source = new FleetSnapshotSource({
      fleet,
      now,
      shared: null,
      routedPools: () => sentAt,
      summary: () => ({ isolateId: 'isolate-under-test', pools: outcomes }),
    });
    const readsOf = async (fresh = false) => {
      const before = source.stats.shardReads;
      const snapshot = await source.load(fresh);
      return { snapshot, reads: source.stats.shardReads - before };
    };
    const ours = (snapshot: Awaited<ReturnType<typeof readsOf>>['snapshot']) =>
      snapshot.pools.filter((entry) => entry.pool.id === pools.eu || entry.pool.id === pools.us);
    // An isolate that routed nowhere lately reads every region, every time.
    expect((await readsOf()).reads).toBeGreaterThanOrEqual(2);
    expect((await readsOf()).snapshot.held_regions).toBeUndefined();
    sentAt.set(pools.eu, now());
    const routed = await readsOf();
    expect(Object.keys(routed.snapshot.held_regions ?? {})).toContain(regions.us);
    expect(Object.keys(routed.snapshot.held_regions ?? {})).not.toContain(regions.eu);
    expect(ours(routed.snapshot)).toHaveLength(2);
    // The held region's pool is judged as of its read.
    const usView = toPoolViews(routed.snapshot).find((view) => view.poolId === pools.us);
    expect(usView?.heldSince).toBe(routed.snapshot.held_regions?.[regions.us]);
    // An outcome to report on a pool of the kept region (a request that outlived the window) has
    // that region read, so the report reaches its shard.
    outcomes = [
      {
        poolId: pools.us,
        inFlightImages: 0,
        completed: 1,
        completedImages: 1,
        failed: 0,
        msPerWorkSum: 0,
        msPerWorkSamples: 0,
        latencyMsSum: 900,
        imageMegapixelsSum: 0.26,
      },
    ];
    expect((await readsOf()).snapshot.held_regions?.[regions.us]).toBeUndefined();
    outcomes = [];
    // Past the unrouted period the other region is read again; a fresh load reads everything.
    offsetMs = UNROUTED_REGION_READ_MS;
    expect((await readsOf()).snapshot.held_regions?.[regions.us]).toBeUndefined();
    expect((await readsOf()).snapshot.held_regions).toHaveProperty(regions.us);
    expect((await readsOf(true)).snapshot.held_regions).toBeUndefined();
    // Once nothing was sent anywhere for the routing window, every region is read again.
    offsetMs += ROUTED_REGION_WINDOW_MS + 1;
    expect((await readsOf()).snapshot.held_regions).toBeUndefined();
  });
});
