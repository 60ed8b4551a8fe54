import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { poolInputSchema } from '../../shared/index.ts';
import { freshRegistry, registryWithPool } from '../testing/registry-fixtures.ts';
import { providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { MAX_COALESCED_MS } from './fleet-coalescing.ts';

type Stored = { report: string; received_at: number; reported_at: number };

async function storedRow(
  registry: ReturnType<typeof freshRegistry>,
  poolId: string,
): Promise<Stored | undefined> {
  return runInDurableObject(registry, async (_instance, state) => {
    const rows = state.storage.sql
      .exec<Stored>('SELECT report, received_at, reported_at FROM telemetry WHERE pool_id = ?', poolId)
      .toArray();
    return rows[0];
  });
}

describe('fleet registry: coalesced heartbeats', () => {
  it('coalescing: heartbeats with the same load and barely moved speeds write no report, yet keep the pool fresh', async () => {
    const { registry, pool } = await registryWithPool();
    const first = telemetryReport({ pool_id: pool.id, timestamp: 1_000, queued: 1, running: 2 });
    expect(await registry.recordTelemetry(pool.id, first, 10_000)).toEqual({ ok: true, stale: false });
    const written = await registry.load();
    for (let second = 1; second <= 5; second++) {
      // Same images; throughput, step time and job time within a few per cent.
      const report = telemetryReport({
        pool_id: pool.id,
        timestamp: 1_000 + second,
        queued: 1,
        running: 2,
        throughput_images_per_s: 40 + second,
        ewma_step_ms: 3.5 + second / 100,
        ewma_job_ms: 12 + (second % 2) / 10,
      });
      expect(await registry.recordTelemetry(pool.id, report, 10_000 + second * 1_000)).toEqual({
        ok: true,
        stale: false,
      });
    }
    const load = await registry.load();
    expect(load.coalesced - written.coalesced).toBe(5);
    // The stored report is still the first one: no row was rewritten with the new figures.
    const row = await storedRow(registry, pool.id);
    expect(JSON.parse(row?.report ?? '{}')).toMatchObject({ timestamp: 1_000, queued: 1 });
    // A read flushes the batch first: routing sees the newest arrival.
    const [entry] = (await registry.snapshot()).pools;
    expect(entry?.received_at).toBe(15_000);
    expect(entry?.telemetry?.queued).toBe(1);
    const after = await registry.load();
    expect(after.fullReports - written.fullReports).toBe(0);
    // Five refreshes of one pool make at most one row update per batch, never more than one each.
    expect(after.refreshedRows - written.refreshedRows).toBeGreaterThanOrEqual(1);
    expect(after.refreshedRows - written.refreshedRows).toBeLessThanOrEqual(5);
  });

  it('coalescing: a replayed coalesced heartbeat is stale, a significant one is written in full', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(pool.id, telemetryReport({ pool_id: pool.id, timestamp: 1_000 }), 10_000);
    const small = telemetryReport({ pool_id: pool.id, timestamp: 2_000, throughput_images_per_s: 41 });
    expect(await registry.recordTelemetry(pool.id, small, 11_000)).toEqual({ ok: true, stale: false });
    expect(await registry.recordTelemetry(pool.id, small, 12_000)).toEqual({ ok: true, stale: true });
    // One image more is load routing counts: written in full.
    const busy = telemetryReport({ pool_id: pool.id, timestamp: 3_000, queued: 2 });
    await registry.recordTelemetry(pool.id, busy, 13_000);
    const [entry] = (await registry.snapshot()).pools;
    expect(entry).toMatchObject({ received_at: 13_000, telemetry: { queued: 2, timestamp: 3_000 } });
    const draining = telemetryReport({ pool_id: pool.id, timestamp: 4_000, queued: 2, draining: true });
    await registry.recordTelemetry(pool.id, draining, 14_000);
    expect((await registry.snapshot()).pools[0]?.telemetry?.draining).toBe(true);
  });

  it('coalescing: a pool going idle, a suspect pool and a report older than the limit are written in full', async () => {
    const { registry, pool } = await registryWithPool();
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ pool_id: pool.id, timestamp: 1_000, queued: 0, running: 1 }),
      10_000,
    );
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ pool_id: pool.id, timestamp: 2_000, queued: 0, running: 0 }),
      11_000,
    );
    expect((await registry.snapshot()).pools[0]).toMatchObject({
      idle_since: 11_000,
      telemetry: { running: 0 },
    });
    const late = 11_000 + MAX_COALESCED_MS;
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ pool_id: pool.id, timestamp: 3_000, queued: 0, running: 0 }),
      late,
    );
    expect((await registry.snapshot()).pools[0]?.telemetry?.timestamp).toBe(3_000);
    await registry.reportSuspect(pool.id, 'refused');
    // Newer than the suspicion (which is on the registry's clock): only a full write clears it.
    const newer = Date.now() + 1_000;
    await registry.recordTelemetry(
      pool.id,
      telemetryReport({ pool_id: pool.id, timestamp: newer, queued: 0, running: 0 }),
      late + 1,
    );
    expect((await registry.snapshot()).pools[0]).toMatchObject({
      suspect_until: null,
      telemetry: { timestamp: newer },
    });
  });

  it('coalescing: the reports the registry writes for pulled pools coalesce when nothing moved', async () => {
    const registry = freshRegistry('pulled-coalescing');
    await registry.putProvider(
      providerInput({ id: 'openai', name: 'OpenAI', protocol: 'openai-compatible', credentials_ref: null }),
    );
    const pool = poolInputSchema.parse({
      id: 'openai-quiet',
      provider_id: 'openai',
      url: 'https://api.openai.example/v1',
      region: 'us',
      models: ['gpt-image-1'],
      capacity: 4,
      ms_per_megapixel_step: 25,
    });
    expect((await registry.putPool(pool)).ok).toBe(true);
    for (let round = 0; round < 3; round++) {
      await runInDurableObject(registry, async (_instance, state) => {
        if ((await state.storage.getAlarm()) === null) await state.storage.setAlarm(Date.now());
      });
      await runDurableObjectAlarm(registry);
    }
    const load = await registry.load();
    expect(load.reports).toBeGreaterThanOrEqual(3);
    expect(load.coalesced).toBeGreaterThanOrEqual(1);
    expect((await registry.snapshot()).pools[0]?.received_at).not.toBeNull();
  });
});
