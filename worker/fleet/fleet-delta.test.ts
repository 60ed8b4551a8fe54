import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { type freshRegistry, registryWithPool } from '../testing/registry-fixtures.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { applyShardDelta, type ShardDelta, type ShardState } from './fleet-delta.ts';

type Registry = ReturnType<typeof freshRegistry>;

async function fullState(registry: Registry): Promise<ShardState> {
  const state = applyShardDelta(null, await registry.changesSince(null));
  if (state === null) throw new Error('a full read did not apply');
  return state;
}

function sortedEntries(state: ShardState | null) {
  return [...(state?.entries.values() ?? [])].sort((first, second) =>
    first.pool.id.localeCompare(second.pool.id),
  );
}

describe('fleet registry: snapshot deltas', () => {
  it('delta: changes since an old copy, applied to it, equal a full read', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.putPool(await poolInput({ id: 'second-pool' }));
    await registry.putPool(await poolInput({ id: 'third-pool' }));
    const old = await fullState(registry);
    await registry.recordTelemetry(pool.id, telemetryReport({ pool_id: pool.id, timestamp: 1_000 }), 5_000);
    await registry.setDraining('second-pool', true);
    await registry.deletePool('third-pool');
    await registry.putPool(await poolInput({ id: 'fourth-pool' }));
    await registry.reportBackoff(pool.id, Date.now() + 60_000);
    await registry.putProvider(providerInput({ name: 'RunPod renamed' }));
    const delta = await registry.changesSince({ epoch: old.epoch, version: old.version });
    expect(delta.since).toBe(old.version);
    expect(delta.removed).toEqual(['third-pool']);
    expect(delta.pools.find((entry) => entry.pool.id === 'second-pool')?.pool.draining).toBe(true);
    const applied = applyShardDelta(old, delta);
    expect(sortedEntries(applied)).toEqual(sortedEntries(await fullState(registry)));
    expect(applied?.entries.get(pool.id)?.provider.name).toBe('RunPod renamed');
  });

  it('delta: an unchanged shard answers an empty delta, and coalesced heartbeats only as refreshes', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(pool.id, telemetryReport({ pool_id: pool.id, timestamp: 1_000 }), 5_000);
    const old = await fullState(registry);
    const quiet = await registry.changesSince({ epoch: old.epoch, version: old.version });
    expect(quiet).toMatchObject({
      since: old.version,
      version: old.version,
      pools: [],
      removed: [],
      refreshed: {},
    });
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ pool_id: pool.id, timestamp: 2_000, throughput_images_per_s: 41 }),
      6_000,
    );
    const refreshed: ShardDelta = await registry.changesSince({ epoch: old.epoch, version: old.version });
    expect(refreshed.pools).toEqual([]);
    expect(refreshed.refreshed).toEqual({ [pool.id]: 6_000 });
    const applied = applyShardDelta(old, refreshed);
    expect(applied?.entries.get(pool.id)?.received_at).toBe(6_000);
    expect(sortedEntries(applied)).toEqual(sortedEntries(await fullState(registry)));
    expect(JSON.stringify(refreshed).length).toBeLessThan(
      JSON.stringify(await registry.changesSince(null)).length,
    );
  });

  it('delta: a cursor from other storage, or older than the removals kept, gets a full read', async () => {
    const { registry } = await registryWithPool();
    const old = await fullState(registry);
    const stranger = await registry.changesSince({ epoch: old.epoch + 1, version: old.version });
    expect(stranger.since).toBeNull();
    expect(applyShardDelta(null, stranger)?.entries.size).toBe(1);
    const ahead = await registry.changesSince({ epoch: old.epoch, version: old.version + 1_000 });
    expect(ahead.since).toBeNull();
    await runInDurableObject(registry, async (_instance, state) => {
      state.storage.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('removals_floor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        old.version + 1,
      );
    });
    expect((await registry.changesSince({ epoch: old.epoch, version: old.version })).since).toBeNull();
  });

  it('delta: a delta that starts after a copy does not apply to it', () => {
    const held: ShardState = { epoch: 1, version: 3, taken_at: 0, entries: new Map() };
    const later: ShardDelta = {
      epoch: 1,
      version: 9,
      since: 5,
      taken_at: 0,
      pools: [],
      removed: [],
      refreshed: {},
    };
    expect(applyShardDelta(held, later)).toBeNull();
    expect(applyShardDelta(held, { ...later, since: 2 })?.version).toBe(9);
    expect(applyShardDelta(held, { ...later, since: 2, epoch: 2 })).toBeNull();
  });
});
