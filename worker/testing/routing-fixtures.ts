import type { StepCurvePoint } from '../../shared/index.ts';
import { indexFleet } from '../routing/fleet-index.ts';
import {
  noObservations,
  type PoolView,
  type RoutingPolicy,
  type RoutingRequest,
} from '../routing/fleet-view.ts';
import { pickPools } from '../routing/pick-pool.ts';

/** The routing tests' fixed clock. */
export const now = 1_000_000;
/** Test policy: 5 s TTL, 1 s default job. */
export const policy: RoutingPolicy = { telemetryTtlMs: 5_000, defaultJobMs: 1_000 };
/** One image of the test model. */
export const request: RoutingRequest = { model: 'tiny', images: 1, allowedProviders: [], allowedRegions: [] };

/**
 * A healthy, idle, freshly reported pool with `overrides`, as an older pool reports it: images
 * and a job time, no work section.
 */
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

/** Megapixels of one 512x512 image. */
export const MEGAPIXELS_512 = 0.262144;

/** The test model's defaults as work-reporting pools report them: 512x512 at 20 steps. */
export const tinyDefaults = { steps: 20, size: '512x512' } as const;

/**
 * A near-linear step curve (compute-bound diffusion): `stepMsPerMegapixel` per megapixel of batch
 * plus a fixed `overheadMs`, measured at one to 8 images of 512x512.
 */
export function nearLinearCurve(stepMsPerMegapixel = 100, overheadMs = 4): StepCurvePoint[] {
  return [1, 2, 4, 8].map((images) => ({
    batch_megapixels: images * MEGAPIXELS_512,
    step_ms: overheadMs + stepMsPerMegapixel * images * MEGAPIXELS_512,
  }));
}

/**
 * A healthy, idle pool that reports work, `curve` (default near-linear) and the test model's
 * defaults, with `overrides`.
 */
export function workPool(poolId: string, overrides: Partial<PoolView> = {}): PoolView {
  return pool(poolId, {
    slots: 8,
    queuedWork: 0,
    runningWork: 0,
    stepCurve: nearLinearCurve(),
    modelDefaults: new Map([['tiny', tinyDefaults]]),
    ...overrides,
  });
}

/**
 * A pool that reports its load in images-as-work (no model defaults, so one image is one unit of
 * work at one step) and a measured curve through `points`: [images in the batch, step ms].
 */
export function unitCurvePool(
  poolId: string,
  points: readonly (readonly [number, number])[],
  overrides: Partial<PoolView> = {},
): PoolView {
  const base = pool(poolId, overrides);
  return {
    ...base,
    queuedWork: base.queued,
    runningWork: base.running,
    stepCurve: points.map(([images, stepMs]) => ({ batch_megapixels: images, step_ms: stepMs })),
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

/**
 * The pool `pickPools` sends `routingRequest` to on a fresh index of `pools` (no observations,
 * the test policy and clock), once for each seed from 0 to `seeds - 1`.
 */
export function firstPicks(
  pools: readonly PoolView[],
  routingRequest: RoutingRequest,
  seeds: number,
): (string | undefined)[] {
  return Array.from({ length: seeds }, (_, seed) => {
    const [first] = pickPools(indexFleet(pools, 'tiny', policy), {
      request: routingRequest,
      observations: noObservations,
      policy,
      now,
      random: seeded(seed),
    });
    return first?.pool.poolId;
  });
}
