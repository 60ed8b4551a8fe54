import * as ort from 'onnxruntime-node';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import {
  type DiffusionScheduler,
  type SchedulerClass,
  type SchedulerFactory,
  schedulerFactory,
} from '../diffusion/index.ts';
import { groupBy } from '../engine/group-by.ts';
import { normalFloat32, seededGenerator, standardNormal } from '../model/seeded-normal.ts';
import { loadClipTokenizer, type PromptTokenizer } from './clip-tokenizer.ts';
import { fromHalf, toHalf } from './half-float.ts';
import { type PipelineFolder, readPipelineFolder } from './pipeline-folder.ts';
import { type FloatType, openPipelineSessions, type PipelineSessions } from './pipeline-sessions.ts';
import { SD_TENSORS } from './sd-tensors.ts';

/** Pixels per latent cell: Stable Diffusion's VAE downsamples by 8 in every version. */
const VAE_SCALE = 8;

/** One image to generate. */
export interface PipelineRequest {
  readonly prompt: string;
  /** What to steer away from (the unconditional half of guidance); empty by default. */
  readonly negativePrompt?: string;
  readonly steps: number;
  /** Classifier-free guidance; at 1 or below the UNet runs on the prompt alone (SD-Turbo: 0). */
  readonly guidanceScale: number;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  /** A scheduler other than the pipeline's own. */
  readonly scheduler?: SchedulerClass;
}

/** A request being denoised: its schedule, latent, step and own random stream. */
export interface PipelineSample {
  readonly request: PipelineRequest;
  readonly scheduler: DiffusionScheduler;
  readonly random: RandomGenerator;
  /** Text states of the prompt, and of the negative prompt when guided: [tokens x hidden]. */
  readonly context: Float32Array;
  readonly negativeContext: Float32Array | null;
  latent: Float32Array;
  step: number;
}

/**
 * Runs a Stable Diffusion pipeline folder on ONNX Runtime: the text encoder once per request, the
 * UNet once per step for any set of same-size requests together (whatever their step counts,
 * guidance or schedulers), the VAE decoder once per finished image. Each request's noise comes
 * from its own seeded stream, and every graph op works per sample, so a request gives the same
 * image alone or batched.
 *
 * @example
 * const runner = await PipelineRunner.open('models/sd-turbo', { executionProviders: ['cpu'] });
 * const [rgb] = await runner.generate([{ prompt: 'a cat', steps: 1, guidanceScale: 0, seed: 1, width: 512, height: 512 }]);
 */
export class PipelineRunner {
  readonly folder: PipelineFolder;
  readonly #sessions: PipelineSessions;
  readonly #tokenizer: PromptTokenizer;
  readonly #schedulers: SchedulerFactory;

  private constructor(folder: PipelineFolder, sessions: PipelineSessions, tokenizer: PromptTokenizer) {
    this.folder = folder;
    this.#sessions = sessions;
    this.#tokenizer = tokenizer;
    this.#schedulers = schedulerFactory(folder.scheduler);
  }

  /** Reads, checks and opens a pipeline folder (`PipelineFolderError` names what does not match). */
  static async open(path: string, options: ort.InferenceSession.SessionOptions): Promise<PipelineRunner> {
    const folder = await readPipelineFolder(path);
    const tokenizer = await loadClipTokenizer(folder.tokenizerFolder);
    const sessions = await openPipelineSessions(folder, options);
    return new PipelineRunner(folder, sessions, tokenizer);
  }

  /** The scheduler that runs by default, and whether the config named one not implemented. */
  get scheduler(): { readonly name: SchedulerClass; readonly fallback: boolean } {
    return { name: this.#schedulers.name, fallback: this.#schedulers.fallback };
  }

  /** Encodes the requests' prompts (one text-encoder batch) and draws their first latents. */
  async start(requests: readonly PipelineRequest[]): Promise<PipelineSample[]> {
    const guided = requests.map((request) => request.guidanceScale > 1);
    const prompts = requests.flatMap((request, index) =>
      guided[index] ? [request.prompt, request.negativePrompt ?? ''] : [request.prompt],
    );
    const states = await this.#encode(prompts);
    let next = 0;
    return requests.map((request, index) => {
      const scheduler = this.#schedulers.create(request.steps, request.scheduler);
      const random = seededGenerator(request.seed);
      const latent = normalFloat32(random, this.#latentSize(request)).map(
        (value) => value * scheduler.initNoiseSigma,
      );
      const context = states[next++] ?? new Float32Array();
      const negativeContext = guided[index] ? (states[next++] ?? null) : null;
      return { request, scheduler, random, context, negativeContext, latent, step: 0 };
    });
  }

  /**
   * One UNet step for every sample given, in one batch. They must share a size (and, where the
   * exported UNet takes one timestep for the batch, a timestep); `batchKey` says which can.
   */
  async step(samples: readonly PipelineSample[]): Promise<void> {
    if (samples.length === 0) return;
    const { io } = this.#sessions;
    const first = samples[0];
    if (!first) return;
    const latentSize = first.latent.length;
    const rows = samples.flatMap((sample) =>
      sample.negativeContext
        ? [
            { sample, context: sample.negativeContext },
            { sample, context: sample.context },
          ]
        : [{ sample, context: sample.context }],
    );
    const input = new Float32Array(rows.length * latentSize);
    const contexts = new Float32Array(rows.length * first.context.length);
    const timesteps = rows.map(({ sample }) => sample.scheduler.timesteps[sample.step] ?? 0);
    rows.forEach(({ sample, context }, row) => {
      const scale = sample.scheduler.inputScale(sample.step);
      input.set(
        sample.latent.map((value) => value * scale),
        row * latentSize,
      );
      contexts.set(context, row * context.length);
    });
    const [channels, height, width] = this.#latentShape(first.request);
    const timestepTensor =
      io.timestepType === 'float16'
        ? new ort.Tensor('float16', toHalf(Float32Array.from(timesteps)), [
            io.sharedTimestep ? 1 : rows.length,
          ])
        : io.timestepType === 'int64'
          ? new ort.Tensor(
              'int64',
              BigInt64Array.from(timesteps, (value) => BigInt(Math.round(value))),
              [io.sharedTimestep ? 1 : rows.length],
            )
          : new ort.Tensor('float32', Float32Array.from(timesteps), [io.sharedTimestep ? 1 : rows.length]);
    const names = SD_TENSORS.unet;
    const output = await this.#sessions.unet.run({
      [names.sample]: floatTensor(io.unetFloat, input, [rows.length, channels, height, width]),
      [names.timestep]: timestepTensor,
      [names.context]: floatTensor(io.unetFloat, contexts, [
        rows.length,
        this.#tokenizer.maxLength,
        first.context.length / this.#tokenizer.maxLength,
      ]),
    });
    const predicted = floatData(output[names.output]);
    if (!predicted) throw new Error('the UNet returned no floating out_sample');
    let row = 0;
    for (const sample of samples) {
      let estimate = predicted.subarray(row * latentSize, (row + 1) * latentSize);
      if (sample.negativeContext) {
        const conditioned = predicted.subarray((row + 1) * latentSize, (row + 2) * latentSize);
        const unconditioned = estimate;
        const scale = sample.request.guidanceScale;
        estimate = unconditioned.map((value, index) => value + scale * ((conditioned[index] ?? 0) - value));
        row += 2;
      } else row += 1;
      sample.latent = sample.scheduler.step(estimate, sample.step, sample.latent, () =>
        standardNormal(sample.random),
      );
      sample.step += 1;
    }
  }

  /** Which samples may share a UNet batch: same size, and same timestep where the UNet needs it. */
  batchKey(sample: PipelineSample): string {
    const { width, height } = sample.request;
    const timestep = this.#sessions.io.sharedTimestep ? `@${sample.scheduler.timesteps[sample.step]}` : '';
    return `${width}x${height}${timestep}`;
  }

  /** Decodes finished samples of one size in one VAE batch: RGB bytes, NHWC, per sample. */
  async decode(samples: readonly PipelineSample[]): Promise<Uint8Array[]> {
    const first = samples[0];
    if (!first) return [];
    const [channels, height, width] = this.#latentShape(first.request);
    const size = first.latent.length;
    const latents = new Float32Array(samples.length * size);
    samples.forEach((sample, index) => {
      latents.set(
        sample.latent.map((value) => value / this.folder.scalingFactor),
        index * size,
      );
    });
    const names = SD_TENSORS.vaeDecoder;
    const output = await this.#sessions.vaeDecoder.run({
      [names.input]: floatTensor(this.#sessions.io.vaeFloat, latents, [
        samples.length,
        channels,
        height,
        width,
      ]),
    });
    const image = output[names.output];
    const pixels = floatData(image);
    const dims = image?.dims ?? [];
    if (!pixels || dims.length !== 4) throw new Error('the VAE decoder returned no floating NCHW sample');
    const [, colours = 3, imageHeight = 0, imageWidth = 0] = dims;
    const plane = imageHeight * imageWidth;
    return samples.map((_, index) => {
      const rgb = new Uint8Array(plane * 3);
      for (let pixel = 0; pixel < plane; pixel++) {
        for (let colour = 0; colour < 3; colour++) {
          const value = pixels[(index * colours + colour) * plane + pixel] ?? 0;
          rgb[pixel * 3 + colour] = Math.round(Math.min(1, Math.max(0, value / 2 + 0.5)) * 255);
        }
      }
      return rgb;
    });
  }

  /** Runs requests to the end, stepping together those that can share a batch; RGB per request. */
  async generate(requests: readonly PipelineRequest[]): Promise<Uint8Array[]> {
    const samples = await this.start(requests);
    for (;;) {
      const running = samples.filter((sample) => sample.step < sample.scheduler.steps);
      if (running.length === 0) break;
      for (const group of groupBy(running, (sample) => this.batchKey(sample))) await this.step(group);
    }
    const images = new Map<PipelineSample, Uint8Array>();
    for (const group of groupBy(samples, ({ request }) => `${request.width}x${request.height}`)) {
      const decoded = await this.decode(group);
      group.forEach((sample, index) => {
        images.set(sample, decoded[index] ?? new Uint8Array());
      });
    }
    return samples.map((sample) => images.get(sample) ?? new Uint8Array());
  }

  /** Frees the sessions. */
  release(): Promise<void> {
    return this.#sessions.release();
  }

  async #encode(prompts: readonly string[]): Promise<Float32Array[]> {
    if (prompts.length === 0) return [];
    const length = this.#tokenizer.maxLength;
    const ids = prompts.map((prompt) => this.#tokenizer.encode(prompt));
    const flat = new Int32Array(prompts.length * length);
    ids.forEach((row, index) => {
      flat.set(row, index * length);
    });
    const names = SD_TENSORS.textEncoder;
    const input =
      this.#sessions.io.inputIdsType === 'int64'
        ? new ort.Tensor(
            'int64',
            BigInt64Array.from(flat, (value) => BigInt(value)),
            [prompts.length, length],
          )
        : new ort.Tensor('int32', flat, [prompts.length, length]);
    const output = await this.#sessions.textEncoder.run({ [names.input]: input });
    const states = floatData(output[names.hidden]);
    if (!states) throw new Error('the text encoder returned no floating last_hidden_state');
    const perPrompt = states.length / prompts.length;
    return prompts.map((_, index) => states.slice(index * perPrompt, (index + 1) * perPrompt));
  }

  #latentShape(request: PipelineRequest): [number, number, number] {
    const scale = VAE_SCALE;
    return [
      this.#sessions.io.latentChannels,
      Math.floor(request.height / scale),
      Math.floor(request.width / scale),
    ];
  }

  #latentSize(request: PipelineRequest): number {
    const [channels, height, width] = this.#latentShape(request);
    return channels * height * width;
  }
}

/** A floating tensor of the graph's type: float32 as is, float16 converted. */
function floatTensor(type: FloatType, values: Float32Array, dims: readonly number[]): ort.Tensor {
  return type === 'float16'
    ? new ort.Tensor('float16', toHalf(values), dims)
    : new ort.Tensor('float32', values, dims);
}

/** A floating output as float32 values (float16 converted); null when it is neither. */
function floatData(tensor: ort.Tensor | undefined): Float32Array | null {
  if (!tensor) return null;
  if (tensor.type === 'float16' && tensor.data instanceof Uint16Array) return fromHalf(tensor.data);
  return tensor.data instanceof Float32Array ? tensor.data : null;
}
