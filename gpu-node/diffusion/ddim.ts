import { checkSizes, checkStep, type DiffusionScheduler } from './diffusion-scheduler.ts';
import { inferenceTimesteps } from './inference-timesteps.ts';
import type { NoiseSchedule } from './noise-schedule.ts';
import type { SchedulerConfig } from './scheduler-config.ts';

/**
 * DDIM with eta = 0 (Song et al. 2021, eq. 12), as diffusers' `DDIMScheduler` without clipping or
 * thresholding: from the model's noise (or v) estimate, predict the clean latent, then place it
 * at the previous timestep's noise level along the same noise direction. Deterministic.
 */
export function ddimScheduler(
  config: SchedulerConfig,
  schedule: NoiseSchedule,
  steps: number,
): DiffusionScheduler {
  const timesteps = inferenceTimesteps(config, steps, true);
  const stride = Math.floor(config.num_train_timesteps / steps);
  const finalAlphaBar = config.set_alpha_to_one ? 1 : (schedule.alphasCumprod[0] ?? 1);
  const alphaBarAt = (timestep: number) =>
    timestep >= 0 ? (schedule.alphasCumprod[timestep] ?? Number.NaN) : finalAlphaBar;
  return {
    name: 'DDIMScheduler',
    steps,
    timesteps,
    initNoiseSigma: 1,
    inputScale(step) {
      checkStep(this, step);
      return 1;
    },
    step(modelOutput, step, sample) {
      checkStep(this, step);
      checkSizes(modelOutput, sample);
      const timestep = timesteps[step] ?? 0;
      const alphaBar = alphaBarAt(timestep);
      const previous = alphaBarAt(timestep - stride);
      const signal = Math.sqrt(alphaBar);
      const noiseLevel = Math.sqrt(1 - alphaBar);
      const out = new Float32Array(sample.length);
      for (let index = 0; index < sample.length; index++) {
        const x = sample[index] ?? 0;
        const output = modelOutput[index] ?? 0;
        const original =
          config.prediction_type === 'epsilon'
            ? (x - noiseLevel * output) / signal
            : signal * x - noiseLevel * output;
        const epsilon = config.prediction_type === 'epsilon' ? output : signal * output + noiseLevel * x;
        out[index] = Math.sqrt(previous) * original + Math.sqrt(1 - previous) * epsilon;
      }
      return out;
    },
  };
}
