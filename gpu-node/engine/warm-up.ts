import { parseSize } from '../model/model-manifest.ts';
import { isPipelineModel } from '../pipeline/pipeline-model.ts';
import { type EngineModel, type SampleSpec, type StepRecord, sampleMegapixels } from './engine-protocol.ts';
import type { StepEngine } from './step-engine.ts';
import { timedOnThread } from './thread-wait.ts';

/**
 * Steps the built-in model's warm-up runs at each batch size. ONNX Runtime's CPU arena grows as a
 * batch first needs more memory, and every new page is a fault (10-15 µs each on this project's
 * VM: a first 16-image 256 px step faulted 17,600 pages and took 211 ms of CPU, 28 ms once
 * settled). After one full-batch step the arena still grew at later batch sizes; after two or
 * more, at none of that size.
 */
export const ARENA_SETTLING_STEPS = 3;

/** What a warm-up needs to know: the models, and the batch sizes the pool will run. */
export interface WarmUpSettings {
  readonly models: readonly EngineModel[];
  readonly warmupBatchSizes: readonly number[];
}

/**
 * Runs every model once at each of `warmupBatchSizes` before the pool takes work. GPU providers
 * compile kernels (TensorRT: whole engines) on first use of a shape, and the CPU arena grows on
 * first use of a batch's memory; both are paid at boot, not in the first customers' steps.
 *
 * Returns the settled steps: each shape's steps after its first, timed like a served step. They
 * are the pool's first points on its step curve (issue 13), so a new pool reports what it has
 * measured of itself instead of nothing, and the edge does not prefer whichever pool happened to
 * serve the first image of a burst. A shape's first step (faults, kernel builds) is left out.
 * A pipeline runs one step per shape (each costs seconds on a CPU), so it measures nothing here.
 *
 * @example
 * const settled = await warmUp(engine, settings); // StepRecord[] for LoadTracker.recordWarmUp
 */
export async function warmUp(engine: StepEngine, settings: WarmUpSettings): Promise<StepRecord[]> {
  const settled: StepRecord[] = [];
  for (const model of settings.models) {
    // A pipeline is warmed at every size it advertises (each is its own engine shape on a GPU);
    // the built-in model, which lists sizes up to 1024 px for CPUs, at its default.
    const pipeline = isPipelineModel(model);
    const sizes = pipeline ? model.sizes : [model.default_size];
    for (const size of sizes) {
      const [width, height] = parseSize(size);
      for (const batchSize of settings.warmupBatchSizes) {
        const steps = pipeline ? 1 : ARENA_SETTLING_STEPS;
        const shape = { model: model.name, width, height, batchSize, steps };
        settled.push(...(await warmBatch(engine, shape)));
      }
    }
  }
  return settled;
}

interface WarmShape {
  readonly model: string;
  readonly width: number;
  readonly height: number;
  readonly batchSize: number;
  readonly steps: number;
}

async function warmBatch(engine: StepEngine, shape: WarmShape): Promise<StepRecord[]> {
  const specs = Array.from(
    { length: shape.batchSize },
    (_, index): SampleSpec => ({
      sampleId: `warmup-${index}`,
      model: shape.model,
      prompt: 'warm up',
      seed: index,
      steps: shape.steps,
      width: shape.width,
      height: shape.height,
      streamProgress: false,
    }),
  );
  const batchMegapixels = specs.reduce((sum, spec) => sum + sampleMegapixels(spec), 0);
  const samples = await engine.start(specs, performance.now());
  const settled: StepRecord[] = [];
  for (let step = 0; step < shape.steps; step += 1) {
    const timing = await timedOnThread(() => engine.step(samples));
    if (step === 0) continue;
    const models = [{ model: shape.model, batchMegapixels, durationMs: timing.durationMs }];
    settled.push({ batchSize: shape.batchSize, batchMegapixels, ...timing, models });
  }
  await engine.decode(samples);
  return settled;
}
