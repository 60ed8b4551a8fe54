import { z } from 'zod';

/** Scheduler classes whose step gpu-node implements (diffusers' names). */
export const SCHEDULER_CLASSES = [
  'EulerDiscreteScheduler',
  'EulerAncestralDiscreteScheduler',
  'DDIMScheduler',
] as const;

/** One of the implemented schedulers. */
export type SchedulerClass = (typeof SCHEDULER_CLASSES)[number];

/**
 * A pipeline's `scheduler/scheduler_config.json` as diffusers writes it: the training noise
 * schedule, what the model predicts, and how inference timesteps are spaced. Fields gpu-node does
 * not use are kept out of the type but allowed in the file. Defaults are diffusers' own.
 */
export const schedulerConfigSchema = z
  .object({
    _class_name: z.string(),
    num_train_timesteps: z.number().int().min(2).default(1_000),
    beta_start: z.number().positive().default(0.0001),
    beta_end: z.number().positive().default(0.02),
    beta_schedule: z.enum(['linear', 'scaled_linear', 'squaredcos_cap_v2']).default('linear'),
    trained_betas: z.array(z.number().positive().max(1)).nullish(),
    prediction_type: z.enum(['epsilon', 'v_prediction']).default('epsilon'),
    timestep_spacing: z.enum(['linspace', 'leading', 'trailing']).default('leading'),
    steps_offset: z.number().int().min(0).default(0),
    set_alpha_to_one: z.boolean().default(true),
  })
  .loose();

/** A parsed scheduler config. */
export type SchedulerConfig = z.infer<typeof schedulerConfigSchema>;

/**
 * The scheduler class to run for a config: its own when implemented, else Euler on the same noise
 * schedule (PNDM, LMS and the DPM solvers are multistep methods gpu-node does not implement; Euler
 * samples the same trained model). `fallback` says when that happened, for the start-up log.
 */
export function schedulerClassOf(config: SchedulerConfig): { name: SchedulerClass; fallback: boolean } {
  const known = SCHEDULER_CLASSES.find((name) => name === config._class_name);
  return known ? { name: known, fallback: false } : { name: 'EulerDiscreteScheduler', fallback: true };
}
