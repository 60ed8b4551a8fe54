import { drainPerMs, type PoolSpeed } from './work-model.ts';

/**
 * How long a pool takes to drain its load, tabulated once per snapshot so that a decision reads
 * it in O(log slots) instead of stepping the drain forward (`drainedImagesAfter`).
 *
 * With nothing arriving, `n` images each of `p` megapixel-steps drain at `drainPerMs(n) / p`
 * images a ms: the rate depends on the batch (`n` images of the pool's image size, at most a full
 * batch), not on how much work each image has left. So the time to drain `n` images is `p` times
 * `clock(n)`, the integral of `1 / drainPerMs` from 0 to `n`, whatever `p` is.
 */
export interface DrainClock {
  /** The pool's slots: past them the batch stays full and the rate constant. */
  readonly slots: number;
  /** `clock(k / POINTS_PER_IMAGE)` for k = 0 … slots x POINTS_PER_IMAGE, ms per megapixel-step. */
  readonly atPoints: Float64Array;
  /** `drainPerMs` with a full batch (the slope of the clock past `slots` is its inverse). */
  readonly fullRate: number;
}

/**
 * The drain clock of a pool of this speed whose images are `imageMegapixels` each: Simpson's rule
 * on the curve's rate between tabulated points, where it is smooth.
 *
 * @example
 * const clock = drainClockOf(speed, 0.262144); // once per snapshot and pool
 */
export function drainClockOf(speed: PoolSpeed, imageMegapixels: number): DrainClock {
  const slots = Math.max(1, Math.floor(speed.slots));
  const atPoints = new Float64Array(slots * POINTS_PER_IMAGE + 1);
  // Below one image the batch is one image: the last image drains at its own pace.
  const inverseRate = (images: number) => {
    const rate = drainPerMs(speed, Math.max(1, images), imageMegapixels);
    return rate > 0 ? 1 / rate : 0;
  };
  const span = 1 / POINTS_PER_IMAGE;
  let atStart = inverseRate(0);
  let elapsed = 0;
  for (let point = 1; point < atPoints.length; point++) {
    const end = point * span;
    const atEnd = inverseRate(end);
    elapsed += (span * (atStart + 4 * inverseRate(end - span / 2) + atEnd)) / 6;
    atPoints[point] = elapsed;
    atStart = atEnd;
  }
  return { slots, atPoints, fullRate: drainPerMs(speed, slots, imageMegapixels) };
}

/**
 * Points tabulated per image. Between them the clock is read as a straight line: at small
 * batches on a sublinear curve it bends most, and two points per image keep the images read off
 * it within about half a percent of the integral (`drain-clock.test.ts`).
 */
const POINTS_PER_IMAGE = 2;

/**
 * The drain clock of the pool at `position` from a snapshot's clocks (`FleetContext.drainClocks`),
 * tabulated and kept there on first use; one made now for a pool outside the snapshot's index.
 */
export function drainClockAt(
  clocks: (DrainClock | undefined)[],
  position: number | undefined,
  speed: PoolSpeed,
  imageMegapixels: number,
): DrainClock {
  if (position === undefined) return drainClockOf(speed, imageMegapixels);
  const kept = clocks[position];
  if (kept !== undefined) return kept;
  const clock = drainClockOf(speed, imageMegapixels);
  clocks[position] = clock;
  return clock;
}

/**
 * Whether a pool holding `images` of `perImage` megapixel-steps each has nothing to drain in
 * `elapsedMs` (no load, or no time): then no clock need be read, or tabulated.
 */
export function nothingToDrain(images: number, perImage: number, elapsedMs: number): boolean {
  return !(elapsedMs > 0) || !(images > 0) || !(perImage > 0);
}

/**
 * Images a pool holding `images` of `perImage` megapixel-steps each finishes in `elapsedMs` with
 * nothing arriving, read off its drain clock (at most `images`).
 *
 * @example
 * drainedImagesAfter(clock, 6, 7.9, 250); // images finished in the 250 ms since the report
 */
export function drainedImagesAfter(
  clock: DrainClock,
  images: number,
  perImage: number,
  elapsedMs: number,
): number {
  if (nothingToDrain(images, perImage, elapsedMs)) return 0;
  const left = clockAt(clock, images) - elapsedMs / perImage;
  return left > 0 ? Math.max(0, images - imagesAt(clock, left)) : images;
}

function clockAt(clock: DrainClock, images: number): number {
  const { slots, atPoints } = clock;
  const full = atPoints[atPoints.length - 1] ?? 0;
  if (images >= slots) return clock.fullRate > 0 ? full + (images - slots) / clock.fullRate : full;
  const at = images * POINTS_PER_IMAGE;
  const point = Math.floor(at);
  const below = atPoints[point] ?? 0;
  return below + (at - point) * ((atPoints[point + 1] ?? below) - below);
}

function imagesAt(clock: DrainClock, time: number): number {
  const { slots, atPoints } = clock;
  const last = atPoints.length - 1;
  const full = atPoints[last] ?? 0;
  if (time >= full) return slots + (time - full) * clock.fullRate;
  let low = 0;
  let high = last;
  // The last point whose clock is at or below `time`.
  while (high - low > 1) {
    const middle = (low + high) >>> 1;
    if ((atPoints[middle] ?? 0) <= time) low = middle;
    else high = middle;
  }
  const below = atPoints[low] ?? 0;
  const span = (atPoints[low + 1] ?? below) - below;
  return (low + (span > 0 ? (time - below) / span : 0)) / POINTS_PER_IMAGE;
}
