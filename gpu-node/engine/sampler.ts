import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from '../../shared/index.ts';
import type { ModelManifest } from '../model/model-manifest.ts';
import { promptConditioning, seededLatent } from '../model/prompt-conditioning.ts';
import type { SampleSpec } from './engine-protocol.ts';

/** An image being denoised: its spec, current latent and how many steps are done. */
export interface RunningSample {
  readonly spec: SampleSpec;
  readonly conditioning: Float32Array;
  latent: Float32Array;
  step: number;
  readonly startedAt: number;
}

/** Session options shared by both models. */
export interface SessionSettings {
  readonly provider: ExecutionProvider;
  readonly deviceId: number;
  readonly intraOpThreads: number;
}

/**
 * Runs the model contract on ONNX Runtime: one denoiser step for a batch of same-shaped samples,
 * and decoding finished latents to RGB. Holds no scheduling state.
 */
export class Sampler {
  readonly #denoiser: ort.InferenceSession;
  readonly #decoder: ort.InferenceSession;
  readonly #manifest: ModelManifest;

  private constructor(
    denoiser: ort.InferenceSession,
    decoder: ort.InferenceSession,
    manifest: ModelManifest,
  ) {
    this.#denoiser = denoiser;
    this.#decoder = decoder;
    this.#manifest = manifest;
  }

  /** Creates both sessions on one provider; throws if the provider cannot load. */
  static async create(manifest: ModelManifest, settings: SessionSettings): Promise<Sampler> {
    const options = sessionOptionsOf(settings);
    const denoiser = await ort.InferenceSession.create(manifest.denoiser.path, options);
    try {
      const decoder = await ort.InferenceSession.create(manifest.decoder.path, options);
      try {
        const { denoiser: names, decoder: decoderNames } = manifest;
        checkTensorNames(
          'denoiser',
          denoiser,
          [names.latent_input, names.timestep_input, names.conditioning_input],
          [names.output],
        );
        checkTensorNames('decoder', decoder, [decoderNames.latent_input], [decoderNames.output]);
      } catch (error) {
        await decoder.release();
        throw error;
      }
      return new Sampler(denoiser, decoder, manifest);
    } catch (error) {
      await denoiser.release();
      throw error;
    }
  }

  /** Prepares a sample: seeded latent noise and prompt conditioning. */
  start(spec: SampleSpec, now: number): RunningSample {
    const { latent_channels: channels, latent_scale: scale, conditioning_dim: dimension } = this.#manifest;
    const latentSize = channels * (spec.height / scale) * (spec.width / scale);
    return {
      spec,
      conditioning: promptConditioning(spec.prompt, dimension),
      latent: seededLatent(spec.seed, latentSize),
      step: 0,
      startedAt: now,
    };
  }

  /** Advances every sample (all of one shape) by one denoiser step. */
  async step(samples: readonly RunningSample[]): Promise<void> {
    const first = samples[0];
    if (!first) return;
    const {
      denoiser: names,
      latent_channels: channels,
      latent_scale: scale,
      conditioning_dim: dimension,
    } = this.#manifest;
    const batch = samples.length;
    const latentSize = first.latent.length;
    const latents = new Float32Array(batch * latentSize);
    const timesteps = new Float32Array(batch);
    const conditionings = new Float32Array(batch * dimension);
    samples.forEach((sample, index) => {
      latents.set(sample.latent, index * latentSize);
      timesteps[index] = 1 - sample.step / sample.spec.steps;
      conditionings.set(sample.conditioning, index * dimension);
    });
    const feeds = {
      [names.latent_input]: new ort.Tensor('float32', latents, [
        batch,
        channels,
        first.spec.height / scale,
        first.spec.width / scale,
      ]),
      [names.timestep_input]: new ort.Tensor('float32', timesteps, [batch, 1]),
      [names.conditioning_input]: new ort.Tensor('float32', conditionings, [batch, dimension]),
    };
    const outputs = await this.#denoiser.run(feeds, [names.output]);
    const next = outputs[names.output]?.data;
    if (!(next instanceof Float32Array) || next.length !== latents.length) {
      throw new Error(`denoiser output ${names.output} is not float32 of the latent's shape`);
    }
    samples.forEach((sample, index) => {
      sample.latent = next.slice(index * latentSize, (index + 1) * latentSize);
      sample.step += 1;
    });
  }

  /** Decodes finished samples (all of one shape) to RGB pixels, one array per sample. */
  async decode(samples: readonly RunningSample[]): Promise<Uint8Array[]> {
    const first = samples[0];
    if (!first) return [];
    const { decoder: names, latent_channels: channels, latent_scale: scale } = this.#manifest;
    const latentSize = first.latent.length;
    const latents = new Float32Array(samples.length * latentSize);
    samples.forEach((sample, index) => {
      latents.set(sample.latent, index * latentSize);
    });
    const input = new ort.Tensor('float32', latents, [
      samples.length,
      channels,
      first.spec.height / scale,
      first.spec.width / scale,
    ]);
    const outputs = await this.#decoder.run({ [names.latent_input]: input }, [names.output]);
    const pixels = outputs[names.output]?.data;
    const imageSize = first.spec.width * first.spec.height * 3;
    if (!(pixels instanceof Uint8Array) || pixels.length !== imageSize * samples.length) {
      throw new Error(`decoder output ${names.output} is not uint8 [batch, height, width, 3]`);
    }
    return samples.map((_, index) => pixels.slice(index * imageSize, (index + 1) * imageSize));
  }

  /** Releases both sessions. */
  async release(): Promise<void> {
    await Promise.all([this.#denoiser.release(), this.#decoder.release()]);
  }
}

/** ONNX Runtime session options for one provider, as every model's sessions use them. */
export function sessionOptionsOf(settings: SessionSettings): ort.InferenceSession.SessionOptions {
  const provider =
    settings.provider === 'cpu' ? 'cpu' : { name: settings.provider, deviceId: settings.deviceId };
  return {
    executionProviders: [provider],
    intraOpNumThreads: settings.intraOpThreads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/** Refuses a model whose tensors are not the ones its manifest names, before any request. */
function checkTensorNames(
  role: string,
  session: ort.InferenceSession,
  inputs: readonly string[],
  outputs: readonly string[],
): void {
  const missingInputs = inputs.filter((name) => !session.inputNames.includes(name));
  const missingOutputs = outputs.filter((name) => !session.outputNames.includes(name));
  if (missingInputs.length === 0 && missingOutputs.length === 0) return;
  throw new ModelContractError(
    `${role} model does not match its manifest: ` +
      `missing inputs [${missingInputs.join(', ')}] (it has [${session.inputNames.join(', ')}]), ` +
      `missing outputs [${missingOutputs.join(', ')}] (it has [${session.outputNames.join(', ')}])`,
  );
}

/** A model file that does not honour the manifest's tensor contract. */
export class ModelContractError extends Error {}
