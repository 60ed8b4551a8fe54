import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnnxDataType, OnnxGraphBuilder } from '../model/onnx-graph-builder.ts';
import { upsampledSineFeatures } from '../model/tiny-model.ts';
import { SD_TENSORS } from './sd-tensors.ts';
import { floatInput, floatOutput, floatType, type Precision, TINY_PIPELINE } from './tiny-pipeline-shape.ts';
import { TINY_SDXL, tinySdxlFiles } from './tiny-sdxl.ts';
import { tinyTokenizerFiles } from './tiny-tokenizer.ts';

/** Options for the tiny pipeline's files (to test the loader on what real exports vary in). */
export interface TinyPipelineOptions {
  /** The UNet's `timestep` dtype: float (diffusers' export) or int64 (some Optimum versions). */
  readonly timestepType?: 'float' | 'int64';
  /** Floating tensors at the graphs' edges: float32, or float16 as `--fp16` exports write them. */
  readonly precision?: Precision;
  /** The scheduler config's class and spacing (Euler, trailing by default: SD-Turbo's). */
  readonly scheduler?: Readonly<Record<string, unknown>>;
  /** SDXL's layout: two layered text encoders, a UNet taking `text_embeds` and `time_ids`. */
  readonly sdxl?: boolean;
}

/** What the UNet is conditioned on besides the text states (SDXL adds the pooled prompt and ids). */
interface UnetConditioning {
  readonly contextSize: number;
  /** Width of `text_embeds`; null for SD 1.x/2.x UNets, which take no added conditioning. */
  readonly pooledSize: number | null;
}

/** CLIP's text encoder in miniature: token and position embeddings, then a per-token nonlinearity. */
export function buildTinyTextEncoder(vocabularySize: number, precision: Precision = 'float32'): Uint8Array {
  const { hiddenSize: hidden, maxLength } = TINY_PIPELINE;
  const graph = new OnnxGraphBuilder(TINY_PIPELINE.weightSeed);
  const ids = graph.input(SD_TENSORS.textEncoder.input, OnnxDataType.int32, ['batch', 'sequence']);
  const tokens = graph.node('Gather', [graph.randomWeights([vocabularySize, hidden], 1), ids], { axis: 0 });
  const positions = graph.randomWeights([maxLength, hidden], 0.5);
  const states = graph.node('Tanh', [graph.node('Add', [tokens, positions])]);
  floatOutput(graph, SD_TENSORS.textEncoder.hidden, states, precision, ['batch', 'sequence', hidden]);
  const pooled = graph.node('ReduceMean', [states], { axes: [1], keepdims: 0 });
  floatOutput(graph, SD_TENSORS.textEncoder.pooled, pooled, precision, ['batch', hidden]);
  return graph.encode('tiny_clip_text_encoder');
}

/**
 * The UNet in miniature: a noise estimate from the latent, the timestep and the text states. Every
 * operation is per sample (1x1 convolutions instead of a MatMul over the batch), so an image's
 * arithmetic does not depend on what shares its batch: batched and unbatched runs are identical.
 */
export function buildTinyUnet(
  timestepType: 'float' | 'int64' = 'float',
  precision: Precision = 'float32',
  conditioning: UnetConditioning = { contextSize: TINY_PIPELINE.hiddenSize, pooledSize: null },
): Uint8Array {
  const { latentChannels: channels, unetHidden: hidden } = TINY_PIPELINE;
  const hiddenSize = conditioning.contextSize;
  const graph = new OnnxGraphBuilder(TINY_PIPELINE.weightSeed + 1);
  const names = SD_TENSORS.unet;
  const sample = floatInput(graph, names.sample, precision, ['batch', channels, 'height', 'width']);
  const timestep = graph.input(
    names.timestep,
    timestepType === 'float' ? floatType(precision) : OnnxDataType.int64,
    ['batch'],
  );
  const context = floatInput(graph, names.context, precision, ['batch', 'sequence', hiddenSize]);
  // The mean over tokens as a depthwise convolution over [B, hidden, tokens, 1]: ReduceMean's
  // kernels sum a batch of one in another order than a batch of several.
  const { maxLength } = TINY_PIPELINE;
  const byToken = graph.node('Unsqueeze', [
    graph.node('Transpose', [context], { perm: [0, 2, 1] }),
    graph.int64Constant([3]),
  ]);
  const meanKernel = new Float32Array(hiddenSize * maxLength).fill(1 / maxLength);
  const text = graph.node('Conv', [byToken, graph.constant([hiddenSize, 1, maxLength, 1], meanKernel)], {
    group: hiddenSize,
  });
  const textBias = graph.node('Conv', [
    text,
    graph.randomWeights([hidden, hiddenSize, 1, 1], 1 / Math.sqrt(hiddenSize)),
  ]);
  const time =
    timestepType === 'float' && precision === 'float32'
      ? timestep
      : graph.node('Cast', [timestep], { to: OnnxDataType.float });
  const timeMap = graph.node('Unsqueeze', [
    graph.node('Mul', [time, graph.constant([1], new Float32Array([1 / 1000]))]),
    graph.int64Constant([1, 2, 3]),
  ]);
  const timeBias = graph.node('Conv', [timeMap, graph.randomWeights([hidden, 1, 1, 1], 1)]);
  let bias = graph.node('Add', [textBias, timeBias]);
  if (conditioning.pooledSize !== null)
    bias = graph.node('Add', [bias, addedBias(graph, conditioning.pooledSize, precision)]);
  const body = graph.node('Tanh', [
    graph.node('Add', [
      graph.node('Conv', [
        sample,
        graph.randomWeights([hidden, channels, 1, 1], 0.5 / Math.sqrt(channels)),
        graph.randomWeights([hidden], 0.1),
      ]),
      bias,
    ]),
  ]);
  const mixed = graph.node('Conv', [body, graph.randomWeights([hidden, 1, 3, 3], 1 / 3)], {
    group: hidden,
    pads: [1, 1, 1, 1],
    kernel_shape: [3, 3],
  });
  const estimate = graph.node('Conv', [
    graph.node('Tanh', [mixed]),
    graph.randomWeights([channels, hidden, 1, 1], 1 / Math.sqrt(hidden)),
  ]);
  floatOutput(graph, names.output, estimate, precision, ['batch', channels, 'height', 'width']);
  return graph.encode('tiny_unet');
}

/** SDXL's added conditioning in miniature: the pooled prompt and the size ids, per sample. */
function addedBias(graph: OnnxGraphBuilder, pooledSize: number, precision: Precision): string {
  const { unetHidden: hidden } = TINY_PIPELINE;
  const names = SD_TENSORS.unet;
  const asImage = (value: string) => graph.node('Unsqueeze', [value, graph.int64Constant([2, 3])]);
  const pooled = floatInput(graph, names.textEmbeds, precision, ['batch', pooledSize]);
  const ids = floatInput(graph, names.timeIds, precision, ['batch', 6]);
  const scaledIds = graph.node('Mul', [ids, graph.constant([1], new Float32Array([1 / 1024]))]);
  return graph.node('Add', [
    graph.node('Conv', [
      asImage(pooled),
      graph.randomWeights([hidden, pooledSize, 1, 1], 1 / Math.sqrt(pooledSize)),
    ]),
    graph.node('Conv', [asImage(scaledIds), graph.randomWeights([hidden, 6, 1, 1], 1)]),
  ]);
}

/** The VAE decoder in miniature: upsample by 8, a per-pixel sine network, RGB in [-1, 1], NCHW. */
export function buildTinyVaeDecoder(precision: Precision = 'float32'): Uint8Array {
  const { latentChannels: channels, vaeHidden: hidden, vaeScale: scale } = TINY_PIPELINE;
  const graph = new OnnxGraphBuilder(TINY_PIPELINE.weightSeed + 2);
  const latent = floatInput(graph, SD_TENSORS.vaeDecoder.input, precision, [
    'batch',
    channels,
    'latent_height',
    'latent_width',
  ]);
  const features = upsampledSineFeatures(graph, latent, { channels, hidden, scale, gain: 0.4 });
  const rgb = graph.node('Tanh', [
    graph.node('Conv', [features, graph.randomWeights([3, hidden, 1, 1], 1.5 / Math.sqrt(hidden))]),
  ]);
  floatOutput(graph, SD_TENSORS.vaeDecoder.output, rgb, precision, ['batch', 3, 'height', 'width']);
  return graph.encode('tiny_vae_decoder');
}

/**
 * Writes the tiny pipeline to `folder` in the exported layout. The bytes depend only on the code
 * and `options`.
 */
export async function writeTinyPipeline(folder: string, options: TinyPipelineOptions = {}): Promise<void> {
  const tokenizer = tinyTokenizerFiles();
  const sdxl = options.sdxl === true;
  const conditioning = sdxl
    ? { contextSize: TINY_PIPELINE.hiddenSize + TINY_SDXL.hiddenSize2, pooledSize: TINY_SDXL.projection }
    : undefined;
  const files: Record<string, string | Uint8Array> = {
    'model_index.json': json({
      _class_name: sdxl ? 'ORTStableDiffusionXLPipeline' : 'OnnxStableDiffusionPipeline',
      _diffusers_version: '0.31.0',
      feature_extractor: [null, null],
      safety_checker: [null, null],
      scheduler: ['diffusers', 'EulerDiscreteScheduler'],
      text_encoder: ['diffusers', 'OnnxRuntimeModel'],
      tokenizer: ['transformers', 'CLIPTokenizer'],
      unet: ['diffusers', 'OnnxRuntimeModel'],
      vae_decoder: ['diffusers', 'OnnxRuntimeModel'],
    }),
    'scheduler/scheduler_config.json': json({
      _class_name: 'EulerDiscreteScheduler',
      num_train_timesteps: 1000,
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      prediction_type: 'epsilon',
      timestep_spacing: 'trailing',
      steps_offset: 1,
      ...options.scheduler,
    }),
    'text_encoder/model.onnx': buildTinyTextEncoder(tokenizer.vocabularySize, options.precision),
    'unet/model.onnx': buildTinyUnet(options.timestepType, options.precision, conditioning),
    'vae_decoder/model.onnx': buildTinyVaeDecoder(options.precision),
    'vae_decoder/config.json': json({
      _class_name: 'AutoencoderKL',
      latent_channels: TINY_PIPELINE.latentChannels,
      scaling_factor: TINY_PIPELINE.scalingFactor,
    }),
    ...Object.fromEntries(Object.entries(tokenizer.files).map(([name, text]) => [`tokenizer/${name}`, text])),
    ...(sdxl ? tinySdxlFiles(options.precision ?? 'float32') : {}),
  };
  for (const [name, contents] of Object.entries(files)) {
    const path = join(folder, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, contents);
  }
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
