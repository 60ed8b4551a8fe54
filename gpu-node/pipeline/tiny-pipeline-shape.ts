import { OnnxDataType, type OnnxGraphBuilder } from '../model/onnx-graph-builder.ts';

/**
 * A Stable Diffusion pipeline in miniature, in the layout diffusers' ONNX pipelines and Optimum's
 * exporter write (`model_index.json`, `text_encoder/`, `unet/`, `vae_decoder/`, `tokenizer/`,
 * `scheduler/`), with their tensor names, dtypes and ranks: tiny channel counts and seeded
 * weights, so the whole `--pipeline` path runs here on the CPU provider. It draws nothing a
 * trained model would; it only has to behave like one to the code that serves it.
 */
export const TINY_PIPELINE = {
  /** CLIP's context length, as SD's tokenizer pads to it. */
  maxLength: 77,
  hiddenSize: 32,
  latentChannels: 4,
  /** The VAE's downsampling (8 for SD). */
  vaeScale: 8,
  unetHidden: 32,
  vaeHidden: 16,
  scalingFactor: 0.18215,
  weightSeed: 20261203,
} as const;

/** The float type at a graph's inputs and outputs (inside, the tiny graphs compute in float32). */
export type Precision = 'float32' | 'float16';

/** A tensor shape: fixed sizes and named dynamic axes. */
export type Shape = readonly (number | string)[];

/** The ONNX element type of a precision. */
export function floatType(precision: Precision): number {
  return precision === 'float16' ? OnnxDataType.float16 : OnnxDataType.float;
}

/** A floating input, cast to float32 for the graph's body when the edge is float16. */
export function floatInput(
  graph: OnnxGraphBuilder,
  name: string,
  precision: Precision,
  shape: Shape,
): string {
  const input = graph.input(name, floatType(precision), shape);
  return precision === 'float16' ? graph.node('Cast', [input], { to: OnnxDataType.float }) : input;
}

/** A floating output, cast from the body's float32 when the edge is float16. */
export function floatOutput(
  graph: OnnxGraphBuilder,
  name: string,
  producer: string,
  precision: Precision,
  shape: Shape,
): void {
  const value =
    precision === 'float16' ? graph.node('Cast', [producer], { to: OnnxDataType.float16 }) : producer;
  graph.output(name, value, floatType(precision), shape);
}
