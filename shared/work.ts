/**
 * A request's work in megapixel-steps: images × sampler steps × pixels per image / 10⁶. The one
 * measure of how much a generation costs that the edge, gpu-node and the routing simulator share:
 * queues, telemetry and routing scores count work, not images, because requests differ by two
 * orders of magnitude (64x64 at 4 steps vs 1024x1024 at 50 steps, n up to 10).
 *
 * Adapters for other protocols supply their own {@link WorkFunction} through the same shape.
 */
export type WorkFunction = (request: ResolvedWorkFields) => number;

/** The request fields work depends on, resolved: the model's defaults applied. */
export interface ResolvedWorkFields {
  /** Images. */
  readonly n: number;
  /** Sampler steps. */
  readonly steps: number;
  /** `WIDTHxHEIGHT`. */
  readonly size: string;
}

/** Pixels in one megapixel. */
const PIXELS_PER_MEGAPIXEL = 1_000_000;

/** Megapixels of one image of `size` (`WIDTHxHEIGHT`); NaN-free: a malformed size counts 0. */
export function imageMegapixels(size: string): number {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return 0;
  return (Number(match[1]) * Number(match[2])) / PIXELS_PER_MEGAPIXEL;
}

/**
 * The work of a request in megapixel-steps.
 * @example
 * requestWork({ n: 2, steps: 30, size: '512x512' }); // 2 × 30 × 0.262144 = 15.72864
 */
export const requestWork: WorkFunction = ({ n, steps, size }) => n * steps * imageMegapixels(size);
