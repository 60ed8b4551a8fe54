import { OnnxDataType, OnnxGraphBuilder } from '../model/onnx-graph-builder.ts';
import { SD_TENSORS } from './sd-tensors.ts';
import { floatOutput, type Precision, TINY_PIPELINE } from './tiny-pipeline-shape.ts';
import { tinyTokenizerFiles } from './tiny-tokenizer.ts';

/** The tiny SDXL's second encoder and its added conditioning, in miniature. */
export const TINY_SDXL = {
  /** Width of the second encoder's states (SDXL: 1280 beside the first's 768). */
  hiddenSize2: 48,
  /** Width of its projected pooled prompt, the UNet's `text_embeds` (SDXL: 1280). */
  projection: 24,
  /** Transformer layers per encoder: `hidden_states.0` (the embeddings) … `hidden_states.3`. */
  layers: 3,
} as const;

/** What one tiny layered encoder is. */
interface LayeredEncoderShape {
  readonly vocabularySize: number;
  readonly hidden: number;
  readonly seed: number;
  /** CLIPTextModelWithProjection: a projected `text_embeds` instead of `pooler_output`. */
  readonly projection: number | null;
  readonly precision: Precision;
}

/**
 * CLIP's text encoder in miniature, exported as Optimum exports SDXL's: every layer's states
 * (`hidden_states.0` … `hidden_states.N`), `last_hidden_state` (the last layer, normalised), and
 * the pooled prompt, projected for the second encoder. Layers are per-element, so a prompt's
 * states do not depend on what shares its batch; each layer differs, so taking the wrong one
 * changes the image.
 */
export function buildTinyLayeredEncoder(shape: LayeredEncoderShape): Uint8Array {
  const { hidden, precision } = shape;
  const { maxLength } = TINY_PIPELINE;
  const { layers } = TINY_SDXL;
  const graph = new OnnxGraphBuilder(shape.seed);
  const statesShape = ['batch', 'sequence', hidden];
  const ids = graph.input(SD_TENSORS.textEncoder.input, OnnxDataType.int64, ['batch', 'sequence']);
  const tokens = graph.node('Gather', [graph.randomWeights([shape.vocabularySize, hidden], 1), ids], {
    axis: 0,
  });
  let states = graph.node('Add', [tokens, graph.randomWeights([maxLength, hidden], 0.5)]);
  const prefix = SD_TENSORS.textEncoder.layerPrefix;
  floatOutput(graph, `${prefix}0`, states, precision, statesShape);
  for (let layer = 1; layer <= layers; layer++) {
    const scaled = graph.node('Mul', [states, graph.randomWeights([hidden], 1)]);
    states = graph.node('Tanh', [graph.node('Add', [scaled, graph.randomWeights([hidden], 0.5)])]);
    floatOutput(graph, `${prefix}${layer}`, states, precision, statesShape);
  }
  const last = graph.node('Mul', [states, graph.randomWeights([hidden], 1)]);
  floatOutput(graph, SD_TENSORS.textEncoder.hidden, last, precision, statesShape);
  // CLIP pools one token's states; the first is enough here.
  const first = graph.node('Gather', [last, graph.int64Constant([0])], { axis: 1 });
  const pooled = graph.node('Reshape', [first, graph.int64Constant([0, hidden])]);
  if (shape.projection === null) {
    floatOutput(graph, SD_TENSORS.textEncoder.pooled, pooled, precision, ['batch', hidden]);
  } else {
    // A projection as a 1x1 convolution: per sample, whatever shares the batch.
    const asImage = graph.node('Reshape', [first, graph.int64Constant([0, hidden, 1, 1])]);
    const projected = graph.node('Conv', [
      asImage,
      graph.randomWeights([shape.projection, hidden, 1, 1], 1 / Math.sqrt(hidden)),
    ]);
    const embeds = graph.node('Reshape', [projected, graph.int64Constant([0, shape.projection])]);
    floatOutput(graph, SD_TENSORS.textEncoder2.projected, embeds, precision, ['batch', shape.projection]);
  }
  return graph.encode(shape.projection === null ? 'tiny_sdxl_text_encoder' : 'tiny_sdxl_text_encoder_2');
}

/** The files SDXL adds or changes: both layered encoders and the second tokenizer (pads with `!`). */
export function tinySdxlFiles(precision: Precision): Record<string, string | Uint8Array> {
  const tokenizer = tinyTokenizerFiles();
  const config = JSON.parse(tokenizer.files['tokenizer_config.json'] ?? '{}') as Record<string, unknown>;
  const files2 = {
    ...tokenizer.files,
    'tokenizer_config.json': `${JSON.stringify({ ...config, pad_token: '!' }, null, 2)}\n`,
  };
  return {
    'text_encoder/model.onnx': buildTinyLayeredEncoder({
      vocabularySize: tokenizer.vocabularySize,
      hidden: TINY_PIPELINE.hiddenSize,
      seed: TINY_PIPELINE.weightSeed + 10,
      projection: null,
      precision,
    }),
    'text_encoder_2/model.onnx': buildTinyLayeredEncoder({
      vocabularySize: tokenizer.vocabularySize,
      hidden: TINY_SDXL.hiddenSize2,
      seed: TINY_PIPELINE.weightSeed + 11,
      projection: TINY_SDXL.projection,
      precision,
    }),
    ...Object.fromEntries(Object.entries(files2).map(([name, text]) => [`tokenizer_2/${name}`, text])),
  };
}
