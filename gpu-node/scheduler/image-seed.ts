/** Seeds are unsigned 32-bit integers: the request schema's range, and the sampler's. */
export const SEED_RANGE = 2 ** 32;

/**
 * The seed of image `index` of a request whose first image has `firstSeed`: consecutive seeds,
 * wrapping at {@link SEED_RANGE}, as the public API documents ("image i uses seed + i").
 *
 * @example
 * imageSeed(41, 1); // 42
 * imageSeed(2 ** 32 - 1, 1); // 0
 */
export function imageSeed(firstSeed: number, index: number): number {
  return (firstSeed + index) % SEED_RANGE;
}
