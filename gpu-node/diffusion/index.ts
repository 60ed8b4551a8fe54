import { ddimScheduler } from './ddim.ts';
import type { DiffusionScheduler } from './diffusion-scheduler.ts';
import { eulerScheduler } from './euler.ts';
import { noiseSchedule } from './noise-schedule.ts';
import { type SchedulerClass, type SchedulerConfig, schedulerClassOf } from './scheduler-config.ts';

export type { DiffusionScheduler, Prediction } from './diffusion-scheduler.ts';
export { inferenceTimesteps } from './inference-timesteps.ts';
export { interpolatedSigma, type NoiseSchedule, noiseSchedule, sigmaAt } from './noise-schedule.ts';
export {
  SCHEDULER_CLASSES,
  type SchedulerClass,
  type SchedulerConfig,
  schedulerClassOf,
  schedulerConfigSchema,
} from './scheduler-config.ts';

/** Makes each request's scheduler for a pipeline: the noise schedule is computed once. */
export interface SchedulerFactory {
  /** The class that runs (the config's own, or Euler when it names one not implemented). */
  readonly name: SchedulerClass;
  /** True when the config named a scheduler gpu-node does not implement. */
  readonly fallback: boolean;
  /** A scheduler for `steps` steps, of the config's class or `override`. */
  create(steps: number, override?: SchedulerClass): DiffusionScheduler;
}

/**
 * The scheduler factory of a pipeline's `scheduler_config.json`.
 *
 * @example
 * const schedulers = schedulerFactory(schedulerConfigSchema.parse(json));
 * const scheduler = schedulers.create(4);
 */
export function schedulerFactory(config: SchedulerConfig): SchedulerFactory {
  const schedule = noiseSchedule(config);
  const { name, fallback } = schedulerClassOf(config);
  return {
    name,
    fallback,
    create(steps, override) {
      switch (override ?? name) {
        case 'EulerDiscreteScheduler':
          return eulerScheduler(config, schedule, steps, false);
        case 'EulerAncestralDiscreteScheduler':
          return eulerScheduler(config, schedule, steps, true);
        case 'DDIMScheduler':
          return ddimScheduler(config, schedule, steps);
      }
    },
  };
}
