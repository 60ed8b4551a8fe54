import { createHash } from 'node:crypto';
import { normalFloat32, seededGenerator } from './seeded-normal.ts';

/**
 * Maps a prompt to a conditioning vector: each lower-cased word contributes a Gaussian vector
 * seeded by its SHA-256, and the sum is scaled to unit variance. A stand-in for a text
 * encoder, with the properties one has: deterministic, and similar prompts give similar vectors.
 */
export function promptConditioning(prompt: string, dimension: number): Float32Array {
  const words = prompt.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [prompt];
  const sum = new Float32Array(dimension);
  for (const word of words) {
    const digest = createHash('sha256').update(word).digest();
    const contribution = normalFloat32(seededGenerator(digest.readInt32LE(0)), dimension);
    for (let index = 0; index < dimension; index++) {
      sum[index] = (sum[index] ?? 0) + (contribution[index] ?? 0);
    }
  }
  const scale = 1 / Math.sqrt(words.length);
  return sum.map((value) => value * scale);
}

/** The initial latent for a seed: standard normal noise, as a diffusion sampler starts from. */
export function seededLatent(seed: number, elementCount: number): Float32Array {
  return normalFloat32(seededGenerator(seed), elementCount);
}
