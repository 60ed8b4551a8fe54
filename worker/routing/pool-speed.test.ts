import { describe, expect, it } from 'vitest';
import {
  firstPicks,
  MEGAPIXELS_512,
  now,
  policy,
  request,
  tinyDefaults,
  workPool,
} from '../testing/routing-fixtures.ts';
import { expectedCompletionMs } from './expected-completion.ts';
import { indexFleet } from './fleet-index.ts';
import { noObservations, type PoolView } from './fleet-view.ts';
import { curveBeyondMeasured } from './pool-speed.ts';

/** One 512x512 image at the model's default steps: one typical image. */
const typicalRequest = {
  ...request,
  images: 1,
  steps: tinyDefaults.steps,
  imageMegapixels: MEGAPIXELS_512,
  work: tinyDefaults.steps * MEGAPIXELS_512,
};

/** Megapixels of one 64x64 image. */
const MEGAPIXELS_64 = 0.004096;

/**
 * A pool that has served only 64x64 images lately: its steps cost their overhead alone (24 ms
 * for one image or two), as a small model's steps do on a GPU.
 */
const smallImagesOnly = (poolId: string, overrides: Partial<PoolView> = {}) =>
  workPool(poolId, {
    stepCurve: [
      { batch_megapixels: MEGAPIXELS_64, step_ms: 24 },
      { batch_megapixels: 2 * MEGAPIXELS_64, step_ms: 24 },
    ],
    ...overrides,
  });

/** One 512x512 image steps in this on the fixtures' near-linear curve (`nearLinearCurve`). */
const MEASURED_ONE_IMAGE_STEP_MS = 4 + 100 * MEGAPIXELS_512;

/** The typical request's completion on the load known to be there (no forecast arrivals). */
const completionOf = (target: PoolView, fleet: readonly PoolView[]) =>
  expectedCompletionMs(target, typicalRequest, noObservations, indexFleet(fleet, 'tiny', policy).fleet, now, {
    forecastArrivals: false,
  });

describe('routing: a curve measured only on small images', () => {
  it('routing: is priced on the fleet stand-in for a typical image and gets the work, not starved', () => {
    // The measured pool is busy: six 512x512 images running, so a typical request there steps
    // beside them (about 3.7 s). Read in proportion from its 64x64 points, the idle pool would take
    // 20 steps of 24 ms x 32 (15 s) and never get a typical image that would measure it.
    const busy = workPool('measured', { running: 6, runningWork: 6 * 10 * MEGAPIXELS_512 });
    const idle = smallImagesOnly('small-only');
    const fleet = [busy, idle];
    const onIdle = completionOf(idle, fleet);
    // The stand-in: the measured pool's single-image pace, no batching gain.
    expect(onIdle).toBeCloseTo(tinyDefaults.steps * MEASURED_ONE_IMAGE_STEP_MS, 6);
    expect(onIdle).toBeLessThan(completionOf(busy, fleet) / 4);
    for (const poolId of firstPicks(fleet, typicalRequest, 10)) expect(poolId).toBe('small-only');
  });

  it('routing: with no pool that measured a typical image, stays in proportion (never optimistic)', () => {
    const fleet = [smallImagesOnly('a'), smallImagesOnly('b')];
    const proportionalStepMs = 24 * (MEGAPIXELS_512 / (2 * MEGAPIXELS_64));
    expect(completionOf(fleet[0] as PoolView, fleet)).toBeCloseTo(tinyDefaults.steps * proportionalStepMs, 6);
  });

  it('routing: the stand-in is never faster than the pool measured, and a full curve is left alone', () => {
    const typical = { steps: tinyDefaults.steps, imageMegapixels: MEGAPIXELS_512 };
    const fallbackCurve = [{ batch_megapixels: MEGAPIXELS_512, step_ms: 30 }];
    const slowSmall = [{ batch_megapixels: MEGAPIXELS_64, step_ms: 40 }];
    expect(curveBeyondMeasured(slowSmall, { typical, fallbackCurve })).toEqual([
      ...slowSmall,
      { batch_megapixels: MEGAPIXELS_512, step_ms: 40 },
    ]);
    const full = [...slowSmall, { batch_megapixels: 2 * MEGAPIXELS_512, step_ms: 90 }];
    expect(curveBeyondMeasured(full, { typical, fallbackCurve })).toBe(full);
    expect(curveBeyondMeasured(slowSmall, { typical, fallbackCurve: null })).toBe(slowSmall);
  });
});
