import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { drainClockOf, drainedImagesAfter } from './drain-clock.ts';
import type { PoolSpeed } from './work-model.ts';

const IMAGE_MEGAPIXELS = 0.262144;

/** Step time by batch megapixels, as gpu-node reports it: near-linear, sublinear, flat. */
const curves: Record<string, PoolSpeed['curve']> = {
  'near-linear': [1, 2, 4, 8, 16].map((images) => ({
    batch_megapixels: images * IMAGE_MEGAPIXELS,
    step_ms: 30 * (0.1 + 0.9 * images),
  })),
  sublinear: [1, 2, 4, 8, 16].map((images) => ({
    batch_megapixels: images * IMAGE_MEGAPIXELS,
    step_ms: 30 * images ** 0.4,
  })),
  flat: [{ batch_megapixels: 16 * IMAGE_MEGAPIXELS, step_ms: 40 }],
};

/**
 * The drain integrated forward in 20,000 small time steps: `n` images left (fractions of an
 * image's work count), the batch `n` images of the pool's size (at least one, at most `slots`),
 * each time step finishing the batch's megapixels over the curve's step time. An independent
 * reading of the same model, with the curve read by its own interpolation.
 */
function fluidDrain(speed: PoolSpeed, images: number, perImage: number, elapsedMs: number): number {
  const stepAt = (batch: number) => {
    const { curve } = speed;
    const first = curve[0];
    if (!first) throw new Error('empty curve');
    if (batch <= first.batch_megapixels) return first.step_ms * (batch / first.batch_megapixels);
    for (let at = 1; at < curve.length; at++) {
      const lower = curve[at - 1];
      const upper = curve[at];
      if (!lower || !upper || batch > upper.batch_megapixels) continue;
      const share = (batch - lower.batch_megapixels) / (upper.batch_megapixels - lower.batch_megapixels);
      return lower.step_ms + share * (upper.step_ms - lower.step_ms);
    }
    const last = curve[curve.length - 1] ?? first;
    return last.step_ms * (batch / last.batch_megapixels);
  };
  const dt = elapsedMs / 20_000;
  let left = images;
  for (let tick = 0; tick < 20_000 && left > 0; tick++) {
    const batch = Math.min(speed.slots, Math.max(1, left)) * IMAGE_MEGAPIXELS;
    left -= (dt * batch) / (stepAt(batch) * speed.scale) / perImage;
  }
  return images - Math.max(0, left);
}

describe('drain clock', () => {
  it.each(Object.keys(curves))('matches the drain integrated in small steps (%s curve)', (name) => {
    const speed: PoolSpeed = { curve: curves[name] ?? [], scale: 1.2, slots: 8 };
    const clock = drainClockOf(speed, IMAGE_MEGAPIXELS);
    for (const images of [0.5, 1, 3, 7.5, 12, 20]) {
      for (const perImage of [1, 30 * IMAGE_MEGAPIXELS]) {
        for (const elapsedMs of [20, 200, 1_000, 5_000, 30_000]) {
          const integrated = fluidDrain(speed, images, perImage, elapsedMs);
          const read = drainedImagesAfter(clock, images, perImage, elapsedMs);
          expect(Math.abs(read - integrated)).toBeLessThanOrEqual(0.005 * images);
        }
      }
    }
  });

  it('drains nothing in no time, everything in time enough, and more the longer it runs', () => {
    const speed: PoolSpeed = { curve: curves.sublinear ?? [], scale: 1.3, slots: 6 };
    const clock = drainClockOf(speed, IMAGE_MEGAPIXELS);
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 40, noNaN: true }),
        fc.double({ min: 0.1, max: 50, noNaN: true }),
        fc.double({ min: 0, max: 20_000, noNaN: true }),
        fc.double({ min: 0, max: 20_000, noNaN: true }),
        (images, perImage, first, second) => {
          const [shorter, longer] = first <= second ? [first, second] : [second, first];
          const a = drainedImagesAfter(clock, images, perImage, shorter);
          const b = drainedImagesAfter(clock, images, perImage, longer);
          expect(a).toBeGreaterThanOrEqual(0);
          expect(b).toBeLessThanOrEqual(images + 1e-9);
          expect(b).toBeGreaterThanOrEqual(a - 1e-9);
        },
      ),
    );
    expect(drainedImagesAfter(clock, 5, 10, 0)).toBe(0);
    expect(drainedImagesAfter(clock, 5, 10, 1e9)).toBe(5);
  });

  it('a full pool drains at its full batch rate; one image alone at its own', () => {
    const speed: PoolSpeed = { curve: curves['near-linear'] ?? [], scale: 1, slots: 4 };
    const clock = drainClockOf(speed, IMAGE_MEGAPIXELS);
    const perImage = 30 * IMAGE_MEGAPIXELS;
    // 4 images per step of a 4-image batch (30 * 3.7 ms), so 30 steps take 3,330 ms for 4 images.
    expect(drainedImagesAfter(clock, 40, perImage, 3_330)).toBeCloseTo(4, 6);
    // One image alone steps in 30 * 1 ms: half its 30 steps in 450 ms.
    expect(drainedImagesAfter(clock, 1, perImage, 450)).toBeCloseTo(0.5, 6);
  });
});
