import { megapixelsOf, pixelsOf } from './pixel-steps.ts';

interface RunningImage {
  readonly steps: number;
  /** Width × height: a whole number, so sums of it are exact. */
  readonly pixels: number;
  stepsLeft: number;
}

/**
 * Megapixel-steps left in the running batch: for each image in a slot, its steps still to run ×
 * its megapixels. Kept as a running sum, so reading it (on every response) costs nothing.
 * Progress arrives with the engine's step reports, so the figure trails the engine by at most
 * one report.
 */
export class RunningWork {
  readonly #images = new Map<string, RunningImage>();
  // In pixel-steps, whole numbers: a running sum of megapixel fractions drifts with every
  // add and subtract (73.4003199999998 for 73.40032 on /metrics).
  #pixelSteps = 0;

  /** Megapixel-steps left, across the running images. */
  get total(): number {
    return megapixelsOf(this.#pixelSteps);
  }

  /** The running images, by sample id. */
  sampleIds(): string[] {
    return [...this.#images.keys()];
  }

  /** Each running image's steps still to run. */
  stepsLeft(): number[] {
    return [...this.#images.values()].map((image) => image.stepsLeft);
  }

  /** An image took a slot with `steps` to run. */
  start(sampleId: string, steps: number, megapixels: number): void {
    this.end(sampleId);
    const pixels = pixelsOf(megapixels);
    this.#images.set(sampleId, { steps, pixels, stepsLeft: steps });
    this.#pixelSteps += steps * pixels;
  }

  /** The image has run `step` of its steps; unknown images and stale reports are ignored. */
  progress(sampleId: string, step: number): void {
    const image = this.#images.get(sampleId);
    if (!image) return;
    const stepsLeft = Math.max(0, Math.min(image.stepsLeft, image.steps - step));
    this.#pixelSteps -= (image.stepsLeft - stepsLeft) * image.pixels;
    image.stepsLeft = stepsLeft;
  }

  /** The image left its slot (done, failed, cancelled): its work is no longer running. */
  end(sampleId: string): void {
    const image = this.#images.get(sampleId);
    if (!image) return;
    this.#images.delete(sampleId);
    this.#pixelSteps -= image.stepsLeft * image.pixels;
  }
}
