import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

/** A seeded generator; same seed, same sequence on every platform. */
export function seededGenerator(seed: number): RandomGenerator {
  return xoroshiro128plus(seed | 0);
}

/** A standard normal draw (Box–Muller); deterministic for a given generator state. */
export function standardNormal(random: RandomGenerator): number {
  // 1 - u keeps the logarithm's argument in (0, 1].
  const radius = Math.sqrt(-2 * Math.log(1 - uniformFloat64(random)));
  return radius * Math.cos(2 * Math.PI * uniformFloat64(random));
}

/** `count` standard normal values as float32. */
export function normalFloat32(random: RandomGenerator, count: number): Float32Array {
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    values[index] = standardNormal(random);
  }
  return values;
}
