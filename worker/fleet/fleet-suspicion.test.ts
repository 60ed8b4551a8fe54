import { describe, expect, it } from 'vitest';
import { registryWithPool } from '../testing/registry-fixtures.ts';
import { telemetryReport } from '../testing/test-inputs.ts';

describe('fleet registry: suspicion', () => {
  it('suspicion: a reported pool is suspect in the snapshot until its telemetry moves', async () => {
    const { registry, pool } = await registryWithPool();
    const frozen = telemetryReport({
      pool_id: pool.id,
      queued: 3,
      running: 4,
      timestamp: Date.now() - 1_000,
    });
    await registry.recordTelemetry(pool.id, frozen, Date.now());
    const before = await registry.snapshot();
    expect(await registry.reportSuspect(pool.id)).toBe(true);
    const suspect = await registry.snapshot();
    expect(suspect.version).toBeGreaterThan(before.version);
    expect(suspect.pools[0]?.suspect_until).toBeGreaterThan(Date.now() + 25_000);
    // A stalled pool that keeps sending its last figures stays suspect...
    await registry.recordTelemetry(pool.id, { ...frozen, timestamp: Date.now() - 500 }, Date.now());
    expect((await registry.snapshot()).pools[0]?.suspect_until).not.toBeNull();
    // ...and one whose figures move is trusted again.
    await registry.recordTelemetry(pool.id, { ...frozen, queued: 2, timestamp: Date.now() }, Date.now());
    expect((await registry.snapshot()).pools[0]?.suspect_until).toBeNull();
  });

  it('suspicion: a stall outlasts a newer report with frozen figures, a refusal does not', async () => {
    const { registry, pool } = await registryWithPool();
    const frozen = telemetryReport({
      pool_id: pool.id,
      queued: 3,
      running: 4,
      timestamp: Date.now() - 1_000,
    });
    await registry.recordTelemetry(pool.id, frozen, Date.now());
    expect(await registry.reportSuspect(pool.id, 'stalled')).toBe(true);
    // Taken after the report, same figures: a stalled pool reporting what it froze with.
    await registry.recordTelemetry(pool.id, { ...frozen, timestamp: Date.now() + 1_000 }, Date.now());
    expect((await registry.snapshot()).pools[0]?.suspect_until).not.toBeNull();
    await registry.recordTelemetry(
      pool.id,
      { ...frozen, running: 3, timestamp: Date.now() + 2_000 },
      Date.now(),
    );
    expect((await registry.snapshot()).pools[0]?.suspect_until).toBeNull();
    // A refusal clears with the first report taken after it, moved or not.
    expect(await registry.reportSuspect(pool.id)).toBe(true);
    await registry.recordTelemetry(
      pool.id,
      { ...frozen, running: 3, timestamp: Date.now() + 3_000 },
      Date.now(),
    );
    expect((await registry.snapshot()).pools[0]?.suspect_until).toBeNull();
  });

  it('suspicion: an unknown pool cannot be reported, and a deleted pool leaves no note behind', async () => {
    const { registry, pool } = await registryWithPool();
    expect(await registry.reportSuspect('no-such-pool')).toBe(false);
    expect(await registry.reportSuspect(pool.id)).toBe(true);
    expect((await registry.deletePool(pool.id)).ok).toBe(true);
    await registry.putPool(pool);
    expect((await registry.snapshot()).pools[0]?.suspect_until).toBeNull();
  });
});
