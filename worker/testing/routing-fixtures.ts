import type { PoolView, RoutingPolicy, RoutingRequest } from '../routing/fleet-view.ts';

/** The routing tests' fixed clock. */
export const now = 1_000_000;
/** Test policy: 5 s TTL, 1 s default job. */
export const policy: RoutingPolicy = { telemetryTtlMs: 5_000, defaultJobMs: 1_000 };
/** One image of the test model. */
export const request: RoutingRequest = { model: 'tiny', images: 1, allowedProviders: [], allowedRegions: [] };

/** A healthy, idle, freshly reported pool with `overrides`. */
export function pool(poolId: string, overrides: Partial<PoolView> = {}): PoolView {
  return {
    poolId,
    providerId: 'prov-a',
    region: 'eu',
    models: ['tiny'],
    slots: 4,
    running: 0,
    queued: 0,
    maxQueue: 64,
    jobMs: 1_000,
    draining: false,
    ready: true,
    reportedAt: now - 100,
    enabled: true,
    ...overrides,
  };
}

/** A deterministic PRNG (mulberry32) so decisions are reproducible. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
