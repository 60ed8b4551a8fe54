import { evictDurableObject, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { freshRegistry, registryWithPool } from '../testing/registry-fixtures.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { toPoolViews } from './pool-views.ts';

describe('fleet registry', () => {
  it('fleet registry: stores and lists providers, and an update keeps created_at', async () => {
    const registry = freshRegistry();
    const put = await registry.putProvider(providerInput());
    if (!put.ok) throw new Error(put.reason);
    const first = put.provider;
    expect(first).toMatchObject({
      id: 'runpod',
      name: 'RunPod',
      protocol: 'gpu-node',
      credentials_ref: 'RUNPOD_TOKEN',
    });
    await registry.putProvider(providerInput({ id: 'lambda', name: 'Lambda', credentials_ref: null }));
    const updated = await registry.putProvider(providerInput({ name: 'RunPod Secure' }));
    expect(updated.ok && updated.provider.created_at).toBe(first.created_at);
    const listed = await registry.listProviders();
    expect(listed.map((provider) => [provider.id, provider.name])).toEqual([
      ['lambda', 'Lambda'],
      ['runpod', 'RunPod Secure'],
    ]);
  });

  it('fleet registry: deleting a provider that still has pools is refused', async () => {
    const { registry, pool } = await registryWithPool();
    expect(await registry.deleteProvider('runpod')).toEqual({ ok: false, reason: 'has_pools' });
    expect(await registry.deleteProvider('nobody')).toEqual({ ok: false, reason: 'not_found' });
    expect(await registry.deletePool(pool.id)).toEqual({ ok: true });
    expect(await registry.deleteProvider('runpod')).toEqual({ ok: true });
    expect(await registry.listProviders()).toEqual([]);
  });

  it('fleet registry: a pool for an unknown provider is refused', async () => {
    const registry = freshRegistry();
    expect(await registry.putPool(await poolInput())).toEqual({ ok: false, reason: 'unknown_provider' });
    expect(await registry.listPools()).toEqual([]);
  });

  it('fleet registry: a new pool is enabled and not draining, and an update keeps its switches', async () => {
    const { registry, pool, record } = await registryWithPool();
    expect(record).toMatchObject({ ...pool, enabled: true, draining: false });
    expect(record.public_key).toEqual(pool.public_key);
    await registry.setDraining(pool.id, true);
    await registry.setEnabled(pool.id, false);
    const updated = await registry.putPool({ ...pool, capacity: 16, models: ['dcgan-64', 'sdxl-turbo'] });
    expect(updated).toMatchObject({
      ok: true,
      pool: { capacity: 16, models: ['dcgan-64', 'sdxl-turbo'], enabled: false, draining: true },
    });
    expect(updated.ok && updated.pool.created_at).toBe(record.created_at);
    expect(await registry.getPool(pool.id)).toEqual(updated.ok ? updated.pool : null);
  });

  it('fleet registry: an unknown pool reads as null and cannot be deleted or switched', async () => {
    const registry = freshRegistry();
    expect(await registry.getPool('nowhere')).toBeNull();
    expect(await registry.deletePool('nowhere')).toEqual({ ok: false, reason: 'not_found' });
    expect(await registry.setDraining('nowhere', true)).toEqual({ ok: false, reason: 'not_found' });
    expect(await registry.setEnabled('nowhere', false)).toEqual({ ok: false, reason: 'not_found' });
  });

  it('fleet registry: the draining and enabled flags round-trip', async () => {
    const { registry, pool } = await registryWithPool();
    expect(await registry.setDraining(pool.id, true)).toMatchObject({ ok: true, pool: { draining: true } });
    expect((await registry.getPool(pool.id))?.draining).toBe(true);
    expect(await registry.setDraining(pool.id, false)).toMatchObject({ ok: true, pool: { draining: false } });
    expect(await registry.setEnabled(pool.id, false)).toMatchObject({ ok: true, pool: { enabled: false } });
    expect(await registry.getPool(pool.id)).toMatchObject({ enabled: false, draining: false });
    expect(await registry.setEnabled(pool.id, true)).toMatchObject({ ok: true, pool: { enabled: true } });
  });

  it('fleet registry: the version increases on every write and not on reads or refusals', async () => {
    const registry = freshRegistry();
    const versions = [(await registry.snapshot()).version];
    const step = async (write: () => Promise<unknown>) => {
      await write();
      versions.push((await registry.snapshot()).version);
    };
    const pool = await poolInput();
    await step(() => registry.putProvider(providerInput()));
    await step(() => registry.putPool(pool));
    await step(() => registry.setDraining(pool.id, true));
    await step(() => registry.setEnabled(pool.id, false));
    await step(() => registry.recordTelemetry(pool.id, telemetryReport(), 1));
    await step(() => registry.deletePool(pool.id));
    await step(() => registry.deleteProvider('runpod'));
    expect(versions[0]).toBe(0);
    for (let index = 1; index < versions.length; index++) {
      expect(versions[index]).toBeGreaterThan(versions[index - 1] ?? Number.POSITIVE_INFINITY);
    }
    const settled = (await registry.snapshot()).version;
    await registry.listPools();
    await registry.putPool(pool); // provider is gone: refused
    await registry.recordTelemetry('nowhere', telemetryReport({ pool_id: 'nowhere' }), 2);
    expect((await registry.snapshot()).version).toBe(settled);
  });

  it('fleet registry: a snapshot joins each pool with its provider and latest telemetry', async () => {
    const { registry, pool } = await registryWithPool();
    const idle = await poolInput({ id: 'runpod-us-1', region: 'us' });
    await registry.putPool(idle);
    const report = telemetryReport();
    expect(await registry.recordTelemetry(pool.id, report, 1_800_000_000_050)).toEqual({
      ok: true,
      stale: false,
    });
    const before = Date.now();
    const snapshot = await registry.snapshot();
    expect(snapshot.taken_at).toBeGreaterThanOrEqual(before);
    expect(snapshot.pools.map((entry) => entry.pool.id)).toEqual(['runpod-eu-1', 'runpod-us-1']);
    const [reporting, silent] = snapshot.pools;
    expect(reporting).toMatchObject({ pool: { id: pool.id }, provider: { id: 'runpod', name: 'RunPod' } });
    expect(reporting?.telemetry).toEqual(report);
    expect(reporting?.received_at).toBe(1_800_000_000_050);
    expect(silent).toMatchObject({ telemetry: null, received_at: null, provider: { id: 'runpod' } });
  });

  it('fleet registry: out-of-order and replayed telemetry is ignored', async () => {
    const { registry, pool } = await registryWithPool();
    const newer = telemetryReport({ timestamp: 2_000, queued: 5 });
    await registry.recordTelemetry(pool.id, newer, 2_010);
    const older = telemetryReport({ timestamp: 1_000, queued: 0 });
    expect(await registry.recordTelemetry(pool.id, older, 2_020)).toEqual({ ok: true, stale: true });
    expect(await registry.recordTelemetry(pool.id, newer, 2_030)).toEqual({ ok: true, stale: true });
    const [entry] = (await registry.snapshot()).pools;
    expect(entry?.telemetry?.queued).toBe(5);
    expect(entry?.received_at).toBe(2_010);
    expect(await registry.recordTelemetry(pool.id, telemetryReport({ timestamp: 3_000 }), 3_010)).toEqual({
      ok: true,
      stale: false,
    });
  });

  it('fleet registry: a stored report dated ahead of the clock does not make the next ones stale', async () => {
    const { registry, pool } = await registryWithPool();
    // Kept before heartbeats dated ahead were refused: ten years ahead of its arrival.
    const ahead = telemetryReport({ timestamp: 2_000 + 10 * 365 * 86_400_000, queued: 5 });
    await registry.recordTelemetry(pool.id, ahead, 2_000);
    expect(await registry.recordTelemetry(pool.id, telemetryReport({ timestamp: 3_000 }), 3_010)).toEqual({
      ok: true,
      stale: false,
    });
    const [entry] = (await registry.snapshot()).pools;
    expect(entry?.telemetry?.timestamp).toBe(3_000);
    expect(entry?.received_at).toBe(3_010);
  });

  it('fleet registry: telemetry for an unknown pool or naming another pool is refused', async () => {
    const { registry, pool } = await registryWithPool();
    const stranger = telemetryReport({ pool_id: 'nowhere' });
    expect(await registry.recordTelemetry('nowhere', stranger, 1)).toEqual({
      ok: false,
      reason: 'unknown_pool',
    });
    expect(await registry.recordTelemetry(pool.id, stranger, 1)).toEqual({
      ok: false,
      reason: 'pool_mismatch',
    });
    expect((await registry.snapshot()).pools[0]?.telemetry).toBeNull();
  });

  it("fleet registry: a pool's reported draining stays separate from the operator's flag", async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(pool.id, telemetryReport({ draining: true }), 1);
    const [entry] = (await registry.snapshot()).pools;
    expect(entry?.telemetry?.draining).toBe(true);
    expect(entry?.pool.draining).toBe(false);
  });

  it('fleet registry: deleting a pool drops its telemetry', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(pool.id, telemetryReport(), 1);
    await registry.deletePool(pool.id);
    await registry.putPool(pool);
    expect((await registry.snapshot()).pools[0]).toMatchObject({ telemetry: null, received_at: null });
  });

  it('fleet registry: a public key with a private part is refused even past the admin API', async () => {
    const registry = freshRegistry();
    await registry.putProvider(providerInput());
    const pool = await poolInput();
    const withPrivatePart = {
      ...pool,
      public_key: { kty: 'OKP' as const, crv: 'Ed25519' as const, x: 'x', d: 'secret' },
    };
    // Called on the instance: a rejecting RPC through a stub leaks an unhandled rejection in
    // vitest-pool-workers (cloudflare/workers-sdk#14736).
    await runInDurableObject(registry, async (instance) => {
      await expect(instance.putPool(withPrivatePart)).rejects.toThrow(/private part/);
    });
    expect(await registry.listPools()).toEqual([]);
  });

  it('fleet registry: state survives eviction and lives in SQLite', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(pool.id, telemetryReport(), 1);
    const before = await registry.snapshot();
    await evictDurableObject(registry);
    const after = await registry.snapshot();
    expect({ ...after, taken_at: 0 }).toEqual({ ...before, taken_at: 0 });
    const rows = await runInDurableObject(registry, (_instance, state) =>
      state.storage.sql.exec<{ id: string; draining: number }>('SELECT id, draining FROM pools').toArray(),
    );
    expect(rows).toEqual([{ id: pool.id, draining: 0 }]);
  });
});

describe('fleet registry: idleness', () => {
  it('idleness: an idle heartbeat sets idle_since, a second keeps it, a busy one clears it', async () => {
    const { registry, pool } = await registryWithPool();
    const idle = telemetryReport({ pool_id: pool.id, queued: 0, running: 0, timestamp: 1_000 });
    expect(await registry.recordTelemetry(pool.id, idle, 1_010)).toEqual({ ok: true, stale: false });
    const first = await registry.snapshot();
    expect(first.pools[0]?.idle_since).toBe(1_010);
    expect(toPoolViews(first)[0]?.idleSince).toBe(1_010);
    // Still idle: the pool has been idle since the first idle report, not the latest.
    await registry.recordTelemetry(pool.id, { ...idle, timestamp: 2_000 }, 2_010);
    const second = await registry.snapshot();
    expect(second.pools[0]).toMatchObject({ received_at: 2_010, idle_since: 1_010 });
    expect(toPoolViews(second)[0]).toMatchObject({ reportedAt: 2_010, idleSince: 1_010 });
    // A stale (replayed) idle report changes nothing either.
    expect(await registry.recordTelemetry(pool.id, idle, 2_500)).toEqual({ ok: true, stale: true });
    expect((await registry.snapshot()).pools[0]?.idle_since).toBe(1_010);
    // Work arrives: no longer idle.
    await registry.recordTelemetry(pool.id, { ...idle, queued: 0, running: 1, timestamp: 3_000 }, 3_010);
    const busy = await registry.snapshot();
    expect(busy.pools[0]?.idle_since).toBeNull();
    expect(toPoolViews(busy)[0]?.idleSince).toBeNull();
    // Idle again: the clock restarts at the new receive time.
    await registry.recordTelemetry(pool.id, { ...idle, timestamp: 4_000 }, 4_010);
    expect((await registry.snapshot()).pools[0]?.idle_since).toBe(4_010);
  });

  it('idleness: a queued-only pool is not idle, and a silent or deleted pool has no idle_since', async () => {
    const { registry, pool } = await registryWithPool();
    expect((await registry.snapshot()).pools[0]?.idle_since).toBeNull();
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ queued: 1, running: 0, timestamp: 1_000 }),
      1_010,
    );
    expect((await registry.snapshot()).pools[0]?.idle_since).toBeNull();
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ queued: 0, running: 0, timestamp: 2_000 }),
      2_010,
    );
    expect((await registry.snapshot()).pools[0]?.idle_since).toBe(2_010);
    expect((await registry.deletePool(pool.id)).ok).toBe(true);
    await registry.putPool(pool);
    expect((await registry.snapshot()).pools[0]).toMatchObject({ telemetry: null, idle_since: null });
    const rows = await runInDurableObject(registry, (_instance, state) =>
      state.storage.sql.exec('SELECT * FROM pool_idle').toArray(),
    );
    expect(rows).toEqual([]);
  });

  it('idleness: idle_since survives eviction', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(pool.id, telemetryReport({ queued: 0, running: 0 }), 5_000);
    await evictDurableObject(registry);
    expect((await registry.snapshot()).pools[0]?.idle_since).toBe(5_000);
  });

  it('best job time: the lowest EWMA the pool reported, kept while it is slower, gone with the pool', async () => {
    const { registry, pool } = await registryWithPool();
    const report = telemetryReport({
      pool_id: pool.id,
      queued: 0,
      running: 2,
      ewma_job_ms: null,
      timestamp: 1_000,
    });
    await registry.recordTelemetry(pool.id, report, 1_010);
    expect((await registry.snapshot()).pools[0]?.best_job_ms).toBeNull();
    await registry.recordTelemetry(pool.id, { ...report, ewma_job_ms: 900, timestamp: 2_000 }, 2_010);
    await registry.recordTelemetry(pool.id, { ...report, ewma_job_ms: 6_000, timestamp: 3_000 }, 3_010);
    const slowed = await registry.snapshot();
    expect(slowed.pools[0]).toMatchObject({ best_job_ms: 900 });
    expect(toPoolViews(slowed)[0]).toMatchObject({ jobMs: 6_000, bestJobMs: 900 });
    await registry.recordTelemetry(pool.id, { ...report, ewma_job_ms: 700, timestamp: 4_000 }, 4_010);
    expect((await registry.snapshot()).pools[0]?.best_job_ms).toBe(700);
    expect((await registry.deletePool(pool.id)).ok).toBe(true);
    await registry.putPool(pool);
    expect((await registry.snapshot()).pools[0]?.best_job_ms).toBeNull();
  });
});
