import { describe, expect, it } from 'vitest';
import type { PoolSnapshotEntry } from '../fleet/fleet-records.ts';
import { sampleTelemetry } from '../testing/test-tokens.ts';
import { type HealthContext, poolHealthOf } from './pool-health.ts';

const now = 1_000_000;
const context: HealthContext = { now, telemetryTtlMs: 5_000, ejectedUntil: new Map(), refusedAt: new Map() };

function entry(overrides: Partial<PoolSnapshotEntry> = {}, pool: Partial<PoolSnapshotEntry['pool']> = {}) {
  return {
    pool: {
      id: 'pool-a',
      provider_id: 'provider-a',
      url: 'http://127.0.0.1:1',
      region: 'local',
      models: ['sd-turbo'],
      capacity: 1,
      enabled: true,
      draining: false,
      created_at: 0,
      updated_at: 0,
      ...pool,
    },
    provider: { id: 'provider-a', name: 'a', protocol: 'gpu-node', credentials: null, created_at: 0 },
    telemetry: sampleTelemetry('pool-a'),
    received_at: now - 1_000,
    suspect_until: null,
    idle_since: null,
    best_job_ms: null,
    ...overrides,
  } as PoolSnapshotEntry;
}

describe('pool health', () => {
  it('health: fresh telemetry is healthy; past the TTL, or never reported, stale', () => {
    expect(poolHealthOf(entry(), context)).toBe('healthy');
    expect(poolHealthOf(entry({ received_at: now - 5_001 }), context)).toBe('stale');
    expect(poolHealthOf(entry({ received_at: null, telemetry: null }), context)).toBe('stale');
  });

  it('health: the registry’s suspicion, then this isolate’s ejection, until they run out', () => {
    expect(poolHealthOf(entry({ suspect_until: now + 1 }), context)).toBe('suspect');
    expect(poolHealthOf(entry({ suspect_until: now }), context)).toBe('healthy');
    const ejected = { ...context, ejectedUntil: new Map([['pool-a', now + 10_000]]) };
    expect(poolHealthOf(entry({ suspect_until: now + 1 }), ejected)).toBe('ejected');
    // A report after the refused connection ends the ejection, as it does in routing.
    const refusedEarlier = { ...ejected, refusedAt: new Map([['pool-a', now - 2_000]]) };
    expect(poolHealthOf(entry(), refusedEarlier)).toBe('healthy');
    const refusedLater = { ...ejected, refusedAt: new Map([['pool-a', now - 500]]) };
    expect(poolHealthOf(entry(), refusedLater)).toBe('ejected');
  });

  it('health: the operator’s switches come first', () => {
    const stale = { received_at: null, suspect_until: now + 1 };
    expect(poolHealthOf(entry(stale, { enabled: false, draining: true }), context)).toBe('disabled');
    expect(poolHealthOf(entry({}, { draining: true }), context)).toBe('draining');
    const poolSaysDraining = { ...sampleTelemetry('pool-a'), draining: true };
    expect(poolHealthOf(entry({ telemetry: poolSaysDraining }), context)).toBe('draining');
  });

  it('health: a draining pool that stopped reporting has exited: stale (or suspect), not draining', () => {
    const poolSaysDraining = { ...sampleTelemetry('pool-a'), draining: true };
    const gone = { telemetry: poolSaysDraining, received_at: now - 5_001 };
    expect(poolHealthOf(entry(gone), context)).toBe('stale');
    expect(poolHealthOf(entry({ received_at: now - 5_001 }, { draining: true }), context)).toBe('stale');
    expect(poolHealthOf(entry({ ...gone, suspect_until: now + 1 }), context)).toBe('suspect');
  });

  it('health: a pool whose fresh report says it is not ready is not_ready, as routing passes it over', () => {
    const notReady = { ...sampleTelemetry('pool-a'), ready: false };
    expect(poolHealthOf(entry({ telemetry: notReady }), context)).toBe('not_ready');
    // Older than the TTL, the report says nothing any more: stale.
    expect(poolHealthOf(entry({ telemetry: notReady, received_at: now - 5_001 }), context)).toBe('stale');
    expect(poolHealthOf(entry({ telemetry: notReady, suspect_until: now + 1 }), context)).toBe('suspect');
  });

  it('health: a ready pool reporting no slot can run nothing: not_ready, as routing passes it over', () => {
    const noSlots = { ...sampleTelemetry('pool-a'), slots: 0, max_queue: 0 };
    expect(poolHealthOf(entry({ telemetry: noSlots }), context)).toBe('not_ready');
    expect(poolHealthOf(entry({ telemetry: sampleTelemetry('pool-a') }), context)).toBe('healthy');
  });
});
