import type { SchedulerClass } from './scheduler-config.ts';

/**
 * One request's denoising schedule: created for its step count, stepped once per UNet call. It
 * keeps no latent state, so requests of any step counts and schedulers share UNet batches.
 */
export interface DiffusionScheduler {
  readonly name: SchedulerClass;
  readonly steps: number;
  /** The timestep the UNet is given at each step (fractional where the spacing makes it so). */
  readonly timesteps: Float64Array;
  /** Standard deviation of the initial latent noise. */
  readonly initNoiseSigma: number;
  /** Factor on the latent before the UNet sees it at `step` (diffusers' `scale_model_input`). */
  inputScale(step: number): number;
  /**
   * The latent after `step`, from the UNet's output (noise or v, as the config predicts) on the
   * latent before it. `noise` draws standard normals for ancestral schedulers (the request's own
   * seeded generator, so a batch gives the same image as a single run).
   */
  step(modelOutput: Float32Array, step: number, sample: Float32Array, noise: () => number): Float32Array;
}

/** What the model predicts (`prediction_type`). */
export type Prediction = 'epsilon' | 'v_prediction';

/** Checks a step index against the schedule. */
export function checkStep(scheduler: { readonly steps: number }, step: number): void {
  if (!Number.isInteger(step) || step < 0 || step >= scheduler.steps) {
    throw new RangeError(`step ${step} is outside 0..${scheduler.steps - 1}`);
  }
}

/** Checks that the model output and the latent are the same size. */
export function checkSizes(modelOutput: Float32Array, sample: Float32Array): void {
  if (modelOutput.length !== sample.length) {
    throw new RangeError(`model output has ${modelOutput.length} values, the latent ${sample.length}`);
  }
}
