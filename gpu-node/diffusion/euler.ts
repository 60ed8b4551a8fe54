import { checkSizes, checkStep, type DiffusionScheduler, type Prediction } from './diffusion-scheduler.ts';
import { inferenceTimesteps } from './inference-timesteps.ts';
import { interpolatedSigma, type NoiseSchedule } from './noise-schedule.ts';
import type { SchedulerConfig } from './scheduler-config.ts';

/**
 * Euler's method on the probability-flow ODE in sigma (Karras et al. 2022), as diffusers'
 * `EulerDiscreteScheduler` (no churn) and, with `ancestral`, `EulerAncestralDiscreteScheduler`:
 * the latent lives at scale sqrt(sigma^2 + 1) of the model's input; each step moves it along
 * (x - x0) / sigma to the next sigma, and the ancestral form steps to a smaller sigma and adds fresh
 * noise back up to the next one.
 */
export function eulerScheduler(
  config: SchedulerConfig,
  schedule: NoiseSchedule,
  steps: number,
  ancestral: boolean,
): DiffusionScheduler {
  const timesteps = inferenceTimesteps(config, steps);
  const sigmas = new Float64Array(steps + 1);
  timesteps.forEach((timestep, index) => {
    sigmas[index] = interpolatedSigma(schedule, timestep);
  });
  const maxSigma = Math.max(...sigmas);
  const prediction: Prediction = config.prediction_type;
  const sigmaOf = (index: number) => sigmas[index] ?? 0;
  return {
    name: ancestral ? 'EulerAncestralDiscreteScheduler' : 'EulerDiscreteScheduler',
    steps,
    timesteps,
    // diffusers: the first latent is scaled to the largest sigma, with the +1 for spacings that
    // start below T - 1.
    initNoiseSigma:
      config.timestep_spacing === 'linspace' || config.timestep_spacing === 'trailing'
        ? maxSigma
        : Math.sqrt(maxSigma * maxSigma + 1),
    inputScale(step) {
      checkStep(this, step);
      return 1 / Math.sqrt(sigmaOf(step) ** 2 + 1);
    },
    step(modelOutput, step, sample, noise) {
      checkStep(this, step);
      checkSizes(modelOutput, sample);
      const sigma = sigmaOf(step);
      const next = sigmaOf(step + 1);
      let target = next;
      let up = 0;
      if (ancestral && next > 0) {
        up = Math.sqrt((next * next * (sigma * sigma - next * next)) / (sigma * sigma));
        target = Math.sqrt(next * next - up * up);
      }
      const dt = target - sigma;
      const out = new Float32Array(sample.length);
      const vScale = -sigma / Math.sqrt(sigma * sigma + 1);
      const xScale = 1 / (sigma * sigma + 1);
      for (let index = 0; index < sample.length; index++) {
        const x = sample[index] ?? 0;
        const output = modelOutput[index] ?? 0;
        const original = prediction === 'epsilon' ? x - sigma * output : output * vScale + x * xScale;
        const derivative = (x - original) / sigma;
        out[index] = x + derivative * dt + (up > 0 ? noise() * up : 0);
      }
      return out;
    },
  };
}
