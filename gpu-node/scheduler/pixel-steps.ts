/** Pixels in one megapixel. */
const PIXELS_PER_MEGAPIXEL = 1_000_000;

/**
 * The whole pixels (or pixel-steps) behind a figure in megapixels (or megapixel-steps):
 * `imageMegapixels` and `requestWork` divide whole pixel counts by 10⁶, so this undoes it
 * exactly. Sums kept in these units stay exact, where sums of the megapixel fractions drift.
 */
export function pixelsOf(megapixels: number): number {
  return Math.round(megapixels * PIXELS_PER_MEGAPIXEL);
}

/** Megapixels (or megapixel-steps) of a whole number of pixels (or pixel-steps). */
export function megapixelsOf(pixels: number): number {
  return pixels / PIXELS_PER_MEGAPIXEL;
}
