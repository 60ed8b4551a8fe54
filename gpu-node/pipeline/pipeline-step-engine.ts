import type * as ort from 'onnxruntime-node';
import type { SampleSpec } from '../engine/engine-protocol.ts';
import { type EngineSample, StartedSamples, type StepEngine } from '../engine/step-engine.ts';
import type { PipelineModel } from './pipeline-model.ts';
import { PipelineRunner, type PipelineSample } from './pipeline-runner.ts';

type Running = PipelineSample & EngineSample;

/**
 * A pipeline folder as the engine worker's `StepEngine`: samples that join together have their
 * prompts encoded in one text-encoder batch; steps batch by `PipelineRunner.batchKey`; finished
 * images decode together. Each image is its own request to the runner (seed, guidance, steps).
 */
export async function pipelineStepEngine(
  model: PipelineModel,
  options: ort.InferenceSession.SessionOptions,
): Promise<StepEngine> {
  const runner = await PipelineRunner.open(model.folder, options);
  const started = new StartedSamples<Running>();
  const requestOf = (spec: SampleSpec) => ({
    prompt: spec.prompt,
    ...(spec.negativePrompt === undefined ? {} : { negativePrompt: spec.negativePrompt }),
    steps: spec.steps,
    guidanceScale: spec.guidanceScale ?? model.default_guidance_scale,
    seed: spec.seed,
    width: spec.width,
    height: spec.height,
  });
  return {
    async start(specs, now) {
      const samples = await runner.start(specs.map(requestOf));
      return samples.map((sample, index) => {
        const spec = specs[index];
        if (!spec) throw new Error('the runner started more samples than asked');
        return started.add(Object.assign(sample, { spec, startedAt: now }));
      });
    },
    stepKey: (sample) =>
      started.has(sample) ? runner.batchKey(sample) : `${sample.spec.width}x${sample.spec.height}`,
    step: (samples) => runner.step(started.own(samples)),
    decode: (samples) => runner.decode(started.own(samples)),
  };
}
