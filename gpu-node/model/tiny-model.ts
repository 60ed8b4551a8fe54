import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModelManifest } from './model-manifest.ts';
import { OnnxDataType, OnnxGraphBuilder } from './onnx-graph-builder.ts';

/** Shape of the built-in model; small enough for CPUs, shaped like a latent diffusion sampler. */
const tiny = {
  name: 'spillway-tiny',
  latentChannels: 4,
  latentScale: 4,
  conditioningDim: 32,
  hidden: 128,
  decoderHidden: 16,
  // The fraction of the way each step moves the latent towards the network's estimate.
  stepRate: 0.1,
  weightSeed: 20261127,
} as const;

/** Tensor names of the built-in denoiser; overridable to exercise custom manifests. */
export interface DenoiserTensorNames {
  readonly latent: string;
  readonly timestep: string;
  readonly conditioning: string;
  readonly output: string;
}

const defaultDenoiserNames: DenoiserTensorNames = {
  latent: 'latent',
  timestep: 'timestep',
  conditioning: 'conditioning',
  output: 'next_latent',
};

/** The denoiser: one sampler step, next = x + rate·(f(x, t, c) − x), with a depthwise-conv body. */
export function buildTinyDenoiser(names: DenoiserTensorNames = defaultDenoiserNames): Uint8Array {
  const graph = new OnnxGraphBuilder(tiny.weightSeed);
  const { latentChannels: channels, hidden, conditioningDim } = tiny;
  const latent = graph.input(names.latent, OnnxDataType.float, ['batch', channels, 'height', 'width']);
  const timestep = graph.input(names.timestep, OnnxDataType.float, ['batch', 1]);
  const conditioning = graph.input(names.conditioning, OnnxDataType.float, ['batch', conditioningDim]);

  // Conditioning and timestep go through 1x1 convolutions on [B, E, 1, 1] rather than a MatMul
  // over the batch, so each image's arithmetic is independent of who shares its batch.
  const spatialAxes = graph.int64Constant([2, 3]);
  const conditioningMap = graph.node('Unsqueeze', [conditioning, spatialAxes]);
  const timestepMap = graph.node('Unsqueeze', [timestep, spatialAxes]);
  const conditioningBias = graph.node('Conv', [
    conditioningMap,
    graph.randomWeights([hidden, conditioningDim, 1, 1], 1 / Math.sqrt(conditioningDim)),
  ]);
  const timestepBias = graph.node('Conv', [timestepMap, graph.randomWeights([hidden, 1, 1, 1], 1)]);

  const expanded = graph.node('Conv', [
    latent,
    graph.randomWeights([hidden, channels, 1, 1], 1 / Math.sqrt(channels)),
    graph.randomWeights([hidden], 0.1),
  ]);
  const conditioned = graph.node('Tanh', [
    graph.node('Add', [graph.node('Add', [expanded, conditioningBias]), timestepBias]),
  ]);
  const depthwise = { group: hidden, pads: [1, 1, 1, 1], kernel_shape: [3, 3] };
  const mixed = graph.node(
    'Conv',
    [conditioned, smoothingKernels(graph, hidden), graph.randomWeights([hidden], 0.1)],
    depthwise,
  );
  const activated = graph.node('Tanh', [mixed]);
  const mixedAgain = graph.node('Conv', [activated, smoothingKernels(graph, hidden)], depthwise);
  const estimate = graph.node('Conv', [
    graph.node('Tanh', [mixedAgain]),
    graph.randomWeights([channels, hidden, 1, 1], 2 / Math.sqrt(hidden)),
  ]);
  const rate = graph.constant([1], new Float32Array([tiny.stepRate]));
  const next = graph.node('Add', [latent, graph.node('Mul', [graph.node('Sub', [estimate, latent]), rate])]);
  graph.output(names.output, next, OnnxDataType.float, ['batch', channels, 'height', 'width']);
  return graph.encode('spillway_tiny_denoiser');
}

/**
 * Depthwise 3x3 kernels near a Gaussian blur with random gain: repeated steps then grow smooth
 * blobs from the seed's noise, where random kernels would grow stripes.
 */
function smoothingKernels(graph: OnnxGraphBuilder, channels: number): string {
  const blur = [1, 2, 1, 2, 4, 2, 1, 2, 1].map((weight) => weight / 16);
  const gains = graph.sampleNormal(channels);
  const weights = new Float32Array(channels * 9);
  for (let channel = 0; channel < channels; channel++) {
    const gain = 1 + 0.5 * (gains[channel] ?? 0);
    blur.forEach((weight, tap) => {
      weights[channel * 9 + tap] = weight * gain;
    });
  }
  return graph.constant([channels, 1, 3, 3], weights);
}

/**
 * The front of the tiny decoders: a latent upsampled bilinearly by `scale`, then a 1x1 convolution
 * to `hidden` channels (weights of standard deviation `gain`) and a sine, per pixel.
 */
export function upsampledSineFeatures(
  graph: OnnxGraphBuilder,
  latent: string,
  shape: {
    readonly channels: number;
    readonly hidden: number;
    readonly scale: number;
    readonly gain: number;
  },
): string {
  const { channels, hidden, scale, gain } = shape;
  const scales = graph.constant([4], new Float32Array([1, 1, scale, scale]));
  const upsampled = graph.node('Resize', [latent, '', scales], { mode: 'linear' });
  return graph.node('Sin', [
    graph.node('Conv', [
      upsampled,
      graph.randomWeights([hidden, channels, 1, 1], gain),
      graph.randomWeights([hidden], 1),
    ]),
  ]);
}

/** The decoder: bilinear upsampling then a per-pixel sine network (a CPPN) to 8-bit RGB, NHWC. */
export function buildTinyDecoder(): Uint8Array {
  const graph = new OnnxGraphBuilder(tiny.weightSeed + 1);
  const { latentChannels: channels, decoderHidden: hidden, latentScale: scale } = tiny;
  const latent = graph.input('latent', OnnxDataType.float, [
    'batch',
    channels,
    'latent_height',
    'latent_width',
  ]);
  const first = upsampledSineFeatures(graph, latent, { channels, hidden, scale, gain: 1.5 });
  const second = graph.node('Sin', [
    graph.node('Conv', [first, graph.randomWeights([hidden, hidden, 1, 1], 1.2 / Math.sqrt(hidden))]),
  ]);
  const rgb = graph.node('Sigmoid', [
    graph.node('Conv', [second, graph.randomWeights([3, hidden, 1, 1], 2.5 / Math.sqrt(hidden))]),
  ]);
  const scaled = graph.node('Mul', [rgb, graph.constant([1], new Float32Array([255]))]);
  const bytes = graph.node('Cast', [graph.node('Round', [scaled])], { to: OnnxDataType.uint8 });
  const nhwc = graph.node('Transpose', [bytes], { perm: [0, 2, 3, 1] });
  graph.output('image', nhwc, OnnxDataType.uint8, ['batch', 'height', 'width', 3]);
  return graph.encode('spillway_tiny_decoder');
}

/**
 * Writes the built-in model to `folder` and returns its manifest. The bytes depend only on
 * the code, so every pool built from the same release serves identical images.
 */
export async function writeTinyModel(folder: string): Promise<ModelManifest> {
  await mkdir(folder, { recursive: true });
  const denoiserPath = join(folder, 'denoiser.onnx');
  const decoderPath = join(folder, 'decoder.onnx');
  await writeFile(denoiserPath, buildTinyDenoiser());
  await writeFile(decoderPath, buildTinyDecoder());
  const manifest: ModelManifest = {
    name: tiny.name,
    denoiser: {
      path: denoiserPath,
      latent_input: 'latent',
      timestep_input: 'timestep',
      conditioning_input: 'conditioning',
      output: 'next_latent',
    },
    decoder: { path: decoderPath, latent_input: 'latent', output: 'image' },
    latent_channels: tiny.latentChannels,
    latent_scale: tiny.latentScale,
    conditioning_dim: tiny.conditioningDim,
    sizes: ['64x64', '128x128', '256x256', '512x512', '1024x1024'],
    default_size: '256x256',
    default_steps: 30,
    max_steps: 100,
  };
  await writeFile(join(folder, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
