import { linspace } from './noise-schedule.ts';
import type { SchedulerConfig } from './scheduler-config.ts';

/**
 * The training timesteps an inference of `steps` steps visits, largest first, by the config's
 * `timestep_spacing` (Lin et al. 2024, "Common Diffusion Noise Schedules and Sample Steps are
 * Flawed", table 2):
 * - `linspace`: evenly from T-1 down to 0, fractional (the Euler family interpolates sigma there;
 *   DDIM rounds them);
 * - `leading`: multiples of T // steps from 0, plus `steps_offset` (Stable Diffusion 1.x: 981 … 1
 *   for 50 steps);
 * - `trailing`: from T-1 down by T / steps (SD-Turbo's one step is t = 999).
 *
 * @example
 * inferenceTimesteps({ ...config, timestep_spacing: 'trailing' }, 4); // [999, 749, 499, 249]
 */
export function inferenceTimesteps(config: SchedulerConfig, steps: number, round = false): Float64Array {
  const trainSteps = config.num_train_timesteps;
  if (!Number.isInteger(steps) || steps < 1 || steps > trainSteps) {
    throw new RangeError(`steps must be an integer from 1 to ${trainSteps}, got ${steps}`);
  }
  switch (config.timestep_spacing) {
    case 'linspace': {
      const values = linspace(0, trainSteps - 1, steps).reverse();
      return round ? values.map(roundHalfEven) : values;
    }
    case 'leading': {
      const ratio = Math.floor(trainSteps / steps);
      const values = new Float64Array(steps);
      for (let index = 0; index < steps; index++) {
        values[index] = (steps - 1 - index) * ratio + config.steps_offset;
      }
      return values;
    }
    case 'trailing': {
      const ratio = trainSteps / steps;
      const values = new Float64Array(steps);
      // numpy rounds half to even; these values are never exact halves but for ratios like 2.5.
      for (let index = 0; index < steps; index++)
        values[index] = roundHalfEven(trainSteps - index * ratio) - 1;
      return values;
    }
  }
}

/** numpy's `round`: halves go to the even neighbour. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}
