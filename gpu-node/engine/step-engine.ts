import type { SampleSpec } from './engine-protocol.ts';
import type { RunningSample, Sampler } from './sampler.ts';

/** An image an engine is denoising, as the worker's batch loop sees it. */
export interface EngineSample {
  readonly spec: SampleSpec;
  /** Steps done. */
  readonly step: number;
  readonly startedAt: number;
}

/**
 * What the engine worker's batch loop drives: the built-in contract model (`Sampler`) or a
 * Stable Diffusion pipeline folder (`pipelineStepEngine`). Samples handed back must be ones this
 * engine started; others are ignored.
 */
export interface StepEngine {
  /** Prepares newly joined samples (a pipeline encodes their prompts in one batch). */
  start(specs: readonly SampleSpec[], now: number): Promise<EngineSample[]>;
  /** Which samples may share a step batch (same size; a pipeline may add the timestep). */
  stepKey(sample: EngineSample): string;
  /** One step for every sample given, in one batch (all of one `stepKey`). */
  step(samples: readonly EngineSample[]): Promise<void>;
  /** Finished samples of one size to RGB bytes (NHWC), one array each. */
  decode(samples: readonly EngineSample[]): Promise<Uint8Array[]>;
}

/**
 * One `StepEngine` over several models' engines, by each sample's `spec.model`: samples of
 * different models never share a batch.
 */
export function multiModelEngine(engines: ReadonlyMap<string, StepEngine>): StepEngine {
  const of = (model: string) => {
    const engine = engines.get(model);
    if (!engine) throw new Error(`no engine serves model ${model}`);
    return engine;
  };
  const first = (samples: readonly EngineSample[]) => samples[0]?.spec.model;
  return {
    async start(specs, now) {
      const started: EngineSample[] = [];
      for (const model of new Set(specs.map((spec) => spec.model))) {
        started.push(
          ...(await of(model).start(
            specs.filter((spec) => spec.model === model),
            now,
          )),
        );
      }
      return started;
    },
    stepKey: (sample) => `${sample.spec.model}|${of(sample.spec.model).stepKey(sample)}`,
    step: async (samples) => {
      const model = first(samples);
      if (model !== undefined) await of(model).step(samples);
    },
    decode: async (samples) => {
      const model = first(samples);
      return model === undefined ? [] : of(model).decode(samples);
    },
  };
}

/** The samples an engine started, to tell its own from any other handed back to it. */
export class StartedSamples<Sample extends EngineSample> {
  readonly #started = new WeakSet<object>();

  /** Notes a sample this engine started; returns it. */
  add(sample: Sample): Sample {
    this.#started.add(sample);
    return sample;
  }

  /** Whether this engine started the sample. */
  has(sample: EngineSample): sample is Sample {
    return this.#started.has(sample);
  }

  /** The samples this engine started, in order. */
  own(samples: readonly EngineSample[]): Sample[] {
    return samples.filter((sample): sample is Sample => this.has(sample));
  }
}

/** The built-in contract model's sampler as a `StepEngine`. */
export function contractEngine(sampler: Sampler): StepEngine {
  const started = new StartedSamples<RunningSample>();
  return {
    start: async (specs, now) => specs.map((spec) => started.add(sampler.start(spec, now))),
    stepKey: (sample) => `${sample.spec.width}x${sample.spec.height}`,
    step: (samples) => sampler.step(started.own(samples)),
    decode: (samples) => sampler.decode(started.own(samples)),
  };
}
