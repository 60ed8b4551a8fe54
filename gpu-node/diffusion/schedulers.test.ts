import { describe, expect, it } from 'vitest';
import {
  inferenceTimesteps,
  noiseSchedule,
  type SchedulerConfig,
  schedulerConfigSchema,
  schedulerFactory,
  sigmaAt,
} from './index.ts';

/** Stable Diffusion 1.x/2.x's training schedule, as its `scheduler_config.json` states it. */
const sdSchedule = {
  beta_schedule: 'scaled_linear',
  beta_start: 0.00085,
  beta_end: 0.012,
  num_train_timesteps: 1000,
};
const config = (fields: Record<string, unknown>): SchedulerConfig => schedulerConfigSchema.parse(fields);
const sd = (fields: Record<string, unknown> = {}) =>
  config({ _class_name: 'EulerDiscreteScheduler', ...sdSchedule, ...fields });

describe('noise schedules (reference values)', () => {
  it('diffusion: the SD schedule has sigma 0.0292 at t = 0 and 14.6146 at t = 999', () => {
    const schedule = noiseSchedule(sd());
    expect(sigmaAt(schedule, 0)).toBeCloseTo(0.0292, 4);
    expect(sigmaAt(schedule, 999)).toBeCloseTo(14.6146, 3);
    // alpha_bar at the last training step, as published for SD (≈ 0.0047).
    expect(schedule.alphasCumprod[999]).toBeCloseTo(0.0047, 4);
  });

  it('diffusion: linear and cosine schedules fall from 1 towards 0, cosine betas capped at 0.999', () => {
    for (const beta_schedule of ['linear', 'squaredcos_cap_v2']) {
      const { alphasCumprod } = noiseSchedule(config({ _class_name: 'DDIMScheduler', beta_schedule }));
      expect(alphasCumprod[0]).toBeLessThan(1);
      expect(alphasCumprod[0]).toBeGreaterThan(0.99);
      for (let index = 1; index < alphasCumprod.length; index++) {
        expect(alphasCumprod[index]).toBeLessThan(alphasCumprod[index - 1] ?? 1);
      }
      expect(alphasCumprod[999]).toBeLessThan(0.01);
    }
    // DDPM's linear schedule (1e-4 to 0.02) leaves alpha_bar ≈ 4.0e-5 at t = 999.
    const ddpm = noiseSchedule(config({ _class_name: 'DDIMScheduler' }));
    expect(ddpm.alphasCumprod[999]).toBeCloseTo(4.0e-5, 6);
  });
});

describe('inference timesteps (Lin et al. 2024, table 2)', () => {
  it('diffusion: ten steps of a 1,000-step schedule by each spacing', () => {
    const tens = (timestep_spacing: string, steps_offset = 0) =>
      Array.from(inferenceTimesteps(sd({ timestep_spacing, steps_offset }), 10));
    expect(tens('linspace')).toEqual([999, 888, 777, 666, 555, 444, 333, 222, 111, 0]);
    expect(tens('leading', 1)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1]);
    expect(tens('trailing')).toEqual([999, 899, 799, 699, 599, 499, 399, 299, 199, 99]);
  });

  it('diffusion: SD 1.x at 50 steps runs 981 … 1; SD-Turbo at one step runs t = 999', () => {
    const fifty = inferenceTimesteps(sd({ timestep_spacing: 'leading', steps_offset: 1 }), 50);
    expect([fifty[0], fifty[1], fifty[49]]).toEqual([981, 961, 1]);
    expect(Array.from(inferenceTimesteps(sd({ timestep_spacing: 'trailing', steps_offset: 1 }), 1))).toEqual([
      999,
    ]);
    expect(Array.from(inferenceTimesteps(sd({ timestep_spacing: 'trailing' }), 4))).toEqual([
      999, 749, 499, 249,
    ]);
    expect(() => inferenceTimesteps(sd(), 0)).toThrow(RangeError);
    expect(() => inferenceTimesteps(sd(), 1001)).toThrow(RangeError);
  });
});

/**
 * The forward process at a sigma, in the Euler family's latent (x = x0 + sigma * eps) and in
 * DDIM's (x = sqrt(alpha_bar) x0 + sqrt(1 - alpha_bar) eps): a model that predicts the true noise
 * (or v) must land each step exactly on the forward process at the next noise level. These are the
 * papers' definitions, not the schedulers' code.
 */
const clean = Float32Array.from([0.5, -1.25, 2, 0]);

/** What a perfect model predicts at noise level alpha_bar: the true noise, or v (Salimans and Ho 2022). */
function trueOutput(prediction: string, alphaBar: number): Float32Array {
  if (prediction === 'epsilon') return truth;
  return truth.map((eps, index) => Math.sqrt(alphaBar) * eps - Math.sqrt(1 - alphaBar) * (clean[index] ?? 0));
}

function expectClose(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  for (let index = 0; index < actual.length; index++) {
    expect(actual[index]).toBeCloseTo(expected[index] ?? Number.NaN, 4);
  }
}
const truth = Float32Array.from([1, 0.3, -0.7, -2]);

describe('scheduler steps', () => {
  it('diffusion: Euler with the true noise or v steps onto the forward process, to x0 at the end', () => {
    for (const prediction_type of ['epsilon', 'v_prediction']) {
      const scheduler = schedulerFactory(sd({ timestep_spacing: 'linspace', prediction_type })).create(5);
      let sigma = scheduler.initNoiseSigma;
      let latent: Float32Array = clean.map((x0, index) => x0 + sigma * (truth[index] ?? 0));
      for (let step = 0; step < scheduler.steps; step++) {
        const alphaBar = 1 / (sigma * sigma + 1);
        const output = trueOutput(prediction_type, alphaBar);
        latent = scheduler.step(output, step, latent, () => 0);
        const next = step + 1 < scheduler.steps ? Math.sqrt(1 / scheduler.inputScale(step + 1) ** 2 - 1) : 0;
        expectClose(
          latent,
          clean.map((x0, index) => x0 + next * (truth[index] ?? 0)),
        );
        sigma = next;
      }
    }
  });

  it('diffusion: DDIM with the true noise or v steps onto the forward process at the previous timestep', () => {
    for (const prediction_type of ['epsilon', 'v_prediction']) {
      const own = config({ _class_name: 'DDIMScheduler', ...sdSchedule, prediction_type, steps_offset: 1 });
      const scheduler = schedulerFactory(own).create(10);
      const { alphasCumprod } = noiseSchedule(own);
      const forward = (alphaBar: number) =>
        clean.map((x0, index) => Math.sqrt(alphaBar) * x0 + Math.sqrt(1 - alphaBar) * (truth[index] ?? 0));
      const first = alphasCumprod[scheduler.timesteps[0] ?? 0] ?? 0;
      let latent: Float32Array = forward(first);
      for (let step = 0; step < scheduler.steps; step++) {
        const alphaBar = alphasCumprod[scheduler.timesteps[step] ?? 0] ?? 0;
        const output = trueOutput(prediction_type, alphaBar);
        latent = scheduler.step(output, step, latent, () => 0);
        const previous = (scheduler.timesteps[step] ?? 0) - 100;
        const expected = forward(previous >= 0 ? (alphasCumprod[previous] ?? 0) : 1);
        expectClose(latent, expected);
      }
      expect(scheduler.initNoiseSigma).toBe(1);
    }
  });

  it('diffusion: Euler ancestral adds exactly sigma_up of fresh noise; without it, it lands below the next sigma', () => {
    const scheduler = schedulerFactory(
      sd({ _class_name: 'EulerAncestralDiscreteScheduler', timestep_spacing: 'trailing' }),
    ).create(4);
    const sigma = scheduler.initNoiseSigma;
    const latent = clean.map((x0, index) => x0 + sigma * (truth[index] ?? 0));
    const quiet = scheduler.step(truth, 0, latent, () => 0);
    const noisy = scheduler.step(truth, 0, latent, () => 1);
    const next = Math.sqrt(1 / scheduler.inputScale(1) ** 2 - 1);
    const up = Math.sqrt((next ** 2 * (sigma ** 2 - next ** 2)) / sigma ** 2);
    const down = Math.sqrt(next ** 2 - up ** 2);
    expectClose(
      quiet,
      clean.map((x0, index) => x0 + down * (truth[index] ?? 0)),
    );
    expectClose(
      noisy,
      quiet.map((value) => value + up),
    );
  });

  it('diffusion: initial noise scale follows the spacing (SD-Turbo: 14.6146; leading: sqrt(sigma^2 + 1))', () => {
    const turbo = schedulerFactory(sd({ timestep_spacing: 'trailing', steps_offset: 1 })).create(1);
    expect(turbo.initNoiseSigma).toBeCloseTo(14.6146, 3);
    expect(Array.from(turbo.timesteps)).toEqual([999]);
    const leading = schedulerFactory(sd({ timestep_spacing: 'leading', steps_offset: 1 })).create(50);
    const top = sigmaAt(noiseSchedule(sd()), 981);
    expect(leading.initNoiseSigma).toBeCloseTo(Math.sqrt(top * top + 1), 6);
  });

  it('diffusion: a config naming an unimplemented scheduler runs Euler on its schedule; bad inputs are refused', () => {
    const pndm = schedulerFactory(config({ _class_name: 'PNDMScheduler', ...sdSchedule, steps_offset: 1 }));
    expect(pndm).toMatchObject({ name: 'EulerDiscreteScheduler', fallback: true });
    expect(pndm.create(20, 'DDIMScheduler').name).toBe('DDIMScheduler');
    const scheduler = pndm.create(2);
    expect(() => scheduler.step(truth, 2, clean, () => 0)).toThrow(RangeError);
    expect(() => scheduler.step(truth.subarray(1), 0, clean, () => 0)).toThrow(RangeError);
    expect(() =>
      schedulerConfigSchema.parse({ _class_name: 'DDIMScheduler', beta_schedule: 'quadratic' }),
    ).toThrow();
  });
});
