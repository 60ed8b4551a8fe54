import type { SchedulerConfig } from './scheduler-config.ts';

/** The largest beta of the cosine schedule (Nichol and Dhariwal 2021): avoids a singular last step. */
const MAX_COSINE_BETA = 0.999;

/**
 * The training noise schedule: per training timestep t, beta_t, and alpha_bar_t = prod(1 - beta)
 * up to t (how much of the clean image is left at t). Computed in float64, as diffusers does in
 * float64 before casting.
 */
export interface NoiseSchedule {
  readonly trainSteps: number;
  readonly alphasCumprod: Float64Array;
}

/**
 * Builds the schedule a config describes: `linear` betas from `beta_start` to `beta_end`,
 * `scaled_linear` (linear in sqrt(beta), Stable Diffusion's), `squaredcos_cap_v2` (cosine), or
 * the config's own `trained_betas`.
 *
 * @example
 * const schedule = noiseSchedule({ ...config, beta_schedule: 'scaled_linear', beta_start: 0.00085, beta_end: 0.012 });
 * sigmaAt(schedule, 999); // ≈ 14.6146
 */
export function noiseSchedule(config: SchedulerConfig): NoiseSchedule {
  const betas = betasOf(config);
  const alphasCumprod = new Float64Array(betas.length);
  let product = 1;
  betas.forEach((beta, index) => {
    product *= 1 - beta;
    alphasCumprod[index] = product;
  });
  return { trainSteps: betas.length, alphasCumprod };
}

/** sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t): the noise scale of the Euler family at t. */
export function sigmaAt(schedule: NoiseSchedule, timestep: number): number {
  const alphaBar = schedule.alphasCumprod[timestep] ?? Number.NaN;
  return Math.sqrt((1 - alphaBar) / alphaBar);
}

/**
 * sigma at a fractional timestep, linear between the two training timesteps around it (diffusers'
 * `np.interp` over `arange(T)`), clamped to the schedule's ends.
 */
export function interpolatedSigma(schedule: NoiseSchedule, timestep: number): number {
  const last = schedule.trainSteps - 1;
  const at = Math.min(last, Math.max(0, timestep));
  const low = Math.floor(at);
  const high = Math.min(last, low + 1);
  const share = at - low;
  return (1 - share) * sigmaAt(schedule, low) + share * sigmaAt(schedule, high);
}

function betasOf(config: SchedulerConfig): Float64Array {
  if (config.trained_betas && config.trained_betas.length > 0) return Float64Array.from(config.trained_betas);
  const steps = config.num_train_timesteps;
  switch (config.beta_schedule) {
    case 'linear':
      return linspace(config.beta_start, config.beta_end, steps);
    case 'scaled_linear':
      return linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), steps).map(
        (root) => root * root,
      );
    case 'squaredcos_cap_v2':
      return cosineBetas(steps);
  }
}

/** `count` evenly spaced values from `start` to `end` inclusive (numpy's `linspace`). */
export function linspace(start: number, end: number, count: number): Float64Array {
  const values = new Float64Array(count);
  if (count === 1) {
    values[0] = start;
    return values;
  }
  const step = (end - start) / (count - 1);
  for (let index = 0; index < count; index++) values[index] = start + index * step;
  return values;
}

function cosineBetas(steps: number): Float64Array {
  const alphaBar = (time: number) => Math.cos(((time + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(steps);
  for (let index = 0; index < steps; index++) {
    const from = index / steps;
    const to = (index + 1) / steps;
    betas[index] = Math.min(1 - alphaBar(to) / alphaBar(from), MAX_COSINE_BETA);
  }
  return betas;
}
