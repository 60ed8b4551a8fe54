import type * as ort from 'onnxruntime-node';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import {
  type DiffusionScheduler,
  type SchedulerClass,
  type SchedulerFactory,
  schedulerFactory,
} from '../diffusion/index.ts';
import { groupBy } from '../engine/group-by.ts';
import { normalFloat32, seededGenerator, standardNormal } from '../model/seeded-normal.ts';
import { loadClipTokenizer } from './clip-tokenizer.ts';
import { type PipelineFolder, PipelineFolderError, readPipelineFolder } from './pipeline-folder.ts';
import { openPipelineSessions, type PipelineSessions, SDXL_TIME_IDS } from './pipeline-sessions.ts';
import { floatData, floatTensor, timestepTensor } from './pipeline-tensors.ts';
import { type EncodedPrompt, encodePrompts, type PromptEncoder } from './prompt-encoder.ts';
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
  /** The encoded prompt, and the negative prompt's when guided. */
  readonly prompt: EncodedPrompt;
  readonly negative: EncodedPrompt | null;
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
  readonly #encoders: readonly PromptEncoder[];
  readonly #schedulers: SchedulerFactory;

  private constructor(
    folder: PipelineFolder,
    sessions: PipelineSessions,
    encoders: readonly PromptEncoder[],
  ) {
    this.folder = folder;
    this.#sessions = sessions;
    this.#encoders = encoders;
    this.#schedulers = schedulerFactory(folder.scheduler);
  }

  /** Reads, checks and opens a pipeline folder (`PipelineFolderError` names what does not match). */
  static async open(path: string, options: ort.InferenceSession.SessionOptions): Promise<PipelineRunner> {
    const folder = await readPipelineFolder(path);
    const tokenizers = [await loadClipTokenizer(folder.tokenizerFolder)];
    if (folder.tokenizer2Folder) tokenizers.push(await loadClipTokenizer(folder.tokenizer2Folder));
    if (tokenizers.some(({ maxLength }) => maxLength !== tokenizers[0]?.maxLength)) {
      throw new PipelineFolderError(`${folder.tokenizer2Folder}: pads to another length than tokenizer/`);
    }
    const sessions = await openPipelineSessions(folder, options);
    const encoders = sessions.textEncoders.flatMap((io, index) => {
      const tokenizer = tokenizers[index];
      return tokenizer ? [{ io, tokenizer }] : [];
    });
    return new PipelineRunner(folder, sessions, encoders);
  }

  /** The scheduler that runs by default, and whether the config named one not implemented. */
  get scheduler(): { readonly name: SchedulerClass; readonly fallback: boolean } {
    return { name: this.#schedulers.name, fallback: this.#schedulers.fallback };
  }

  /** Encodes the requests' prompts (one text-encoder batch) and draws their first latents. */
  async start(requests: readonly PipelineRequest[]): Promise<PipelineSample[]> {
    const guided = requests.map((request) => request.guidanceScale > 1);
    const zeroNegative = requests.map(
      (request) => this.folder.forceZerosForEmptyPrompt && (request.negativePrompt ?? '') === '',
    );
    const prompts = requests.flatMap((request, index) =>
      guided[index] && !zeroNegative[index]
        ? [request.prompt, request.negativePrompt ?? '']
        : [request.prompt],
    );
    const encoded = await encodePrompts(this.#encoders, prompts);
    let next = 0;
    return requests.map((request, index) => {
      const scheduler = this.#schedulers.create(request.steps, request.scheduler);
      const random = seededGenerator(request.seed);
      const latent = normalFloat32(random, this.#latentSize(request)).map(
        (value) => value * scheduler.initNoiseSigma,
      );
      const prompt = encoded[next++] ?? { states: new Float32Array(), pooled: null };
      const negative = !guided[index]
        ? null
        : zeroNegative[index]
          ? zeroed(prompt)
          : (encoded[next++] ?? null);
      return { request, scheduler, random, prompt, negative, latent, step: 0 };
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
      sample.negative
        ? [
            { sample, text: sample.negative },
            { sample, text: sample.prompt },
          ]
        : [{ sample, text: sample.prompt }],
    );
    const contextSize = first.prompt.states.length;
    const input = new Float32Array(rows.length * latentSize);
    const contexts = new Float32Array(rows.length * contextSize);
    rows.forEach(({ sample, text }, row) => {
      const scale = sample.scheduler.inputScale(sample.step);
      input.set(
        sample.latent.map((value) => value * scale),
        row * latentSize,
      );
      contexts.set(text.states, row * contextSize);
    });
    const [channels, height, width] = this.#latentShape(first.request);
    const tokens = this.#encoders[0]?.tokenizer.maxLength ?? 1;
    const names = SD_TENSORS.unet;
    const feeds: Record<string, ort.Tensor> = {
      [names.sample]: floatTensor(io.unetFloat, input, [rows.length, channels, height, width]),
      [names.timestep]: timestepTensor(
        io.timestepType,
        rows.map(({ sample }) => sample.scheduler.timesteps[sample.step] ?? 0),
        io.sharedTimestep,
      ),
      [names.context]: floatTensor(io.unetFloat, contexts, [rows.length, tokens, contextSize / tokens]),
    };
    if (io.addedConditioning) {
      const pooledSize = first.prompt.pooled?.length ?? 0;
      const pooled = new Float32Array(rows.length * pooledSize);
      rows.forEach(({ text }, row) => {
        if (text.pooled) pooled.set(text.pooled, row * pooledSize);
      });
      // original size, crop top-left, target size: the whole image at the size asked for.
      const { width: imageWidth, height: imageHeight } = first.request;
      const ids = rows.flatMap(() => [imageHeight, imageWidth, 0, 0, imageHeight, imageWidth]);
      feeds[names.textEmbeds] = floatTensor(io.unetFloat, pooled, [rows.length, pooledSize]);
      feeds[names.timeIds] = floatTensor(io.unetFloat, Float32Array.from(ids), [rows.length, SDXL_TIME_IDS]);
    }
    const output = await this.#sessions.unet.run(feeds);
    const predicted = floatData(output[names.output]);
    if (!predicted) throw new Error('the UNet returned no floating out_sample');
    let row = 0;
    for (const sample of samples) {
      let estimate = predicted.subarray(row * latentSize, (row + 1) * latentSize);
      if (sample.negative) {
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

/** A negative prompt of zeros, shaped like the prompt it guides against. */
function zeroed(prompt: EncodedPrompt): EncodedPrompt {
  return {
    states: new Float32Array(prompt.states.length),
    pooled: prompt.pooled ? new Float32Array(prompt.pooled.length) : null,
  };
}
