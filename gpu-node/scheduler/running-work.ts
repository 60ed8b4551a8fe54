interface RunningImage {
  readonly steps: number;
  readonly megapixels: number;
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
  #total = 0;

  /** Megapixel-steps left, across the running images. */
  get total(): number {
    return Math.max(0, this.#total);
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
    this.#images.set(sampleId, { steps, megapixels, stepsLeft: steps });
    this.#total += steps * megapixels;
  }

  /** The image has run `step` of its steps; unknown images and stale reports are ignored. */
  progress(sampleId: string, step: number): void {
    const image = this.#images.get(sampleId);
    if (!image) return;
    const stepsLeft = Math.max(0, Math.min(image.stepsLeft, image.steps - step));
    this.#total -= (image.stepsLeft - stepsLeft) * image.megapixels;
    image.stepsLeft = stepsLeft;
  }

  /** The image left its slot (done, failed, cancelled): its work is no longer running. */
  end(sampleId: string): void {
    const image = this.#images.get(sampleId);
    if (!image) return;
    this.#images.delete(sampleId);
    // Sums of fractions drift by rounding; an empty batch holds exactly no work.
    this.#total = this.#images.size === 0 ? 0 : this.#total - image.stepsLeft * image.megapixels;
  }
}
