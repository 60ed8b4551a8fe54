import type * as ort from 'onnxruntime-node';
import type { PromptTokenizer } from './clip-tokenizer.ts';
import { floatData, tokenTensor } from './pipeline-tensors.ts';
import { SD_TENSORS } from './sd-tensors.ts';

/** What the pipeline reads from one text encoder, as its graph declares it. */
export interface TextEncoderIo {
  readonly session: ort.InferenceSession;
  readonly file: string;
  readonly inputIdsType: 'int32' | 'int64';
  /** The output whose per-token states condition the UNet. */
  readonly statesOutput: string;
  /** The output holding the pooled prompt the UNet takes as `text_embeds`; null when unused. */
  readonly pooledOutput: string | null;
  /** Width of each token's states, when the graph fixes it. */
  readonly width: number | null;
}

/** A text encoder and the tokenizer that feeds it. */
export interface PromptEncoder {
  readonly io: TextEncoderIo;
  readonly tokenizer: PromptTokenizer;
}

/** A prompt as the UNet takes it. */
export interface EncodedPrompt {
  /** [tokens x width]: every encoder's states for a token, side by side (SDXL: 768 + 1280). */
  readonly states: Float32Array;
  /** The pooled prompt (SDXL's `text_embeds`); null for pipelines that do not take one. */
  readonly pooled: Float32Array | null;
}

/**
 * Encodes prompts with every text encoder of the pipeline, one batch per encoder. SD 1.x/2.x have
 * one encoder and condition on its last states; SDXL has two, each giving its penultimate layer's
 * states, joined per token, and the second its projected pooled prompt (diffusers'
 * `StableDiffusionXLPipeline.encode_prompt` with no clip skip).
 */
export async function encodePrompts(
  encoders: readonly PromptEncoder[],
  prompts: readonly string[],
): Promise<EncodedPrompt[]> {
  if (prompts.length === 0) return [];
  const outputs: Array<{ states: Float32Array; width: number; pooled: Float32Array | null }> = [];
  for (const { io, tokenizer } of encoders) {
    const length = tokenizer.maxLength;
    const ids = tokenTensor(
      io.inputIdsType,
      prompts.map((prompt) => tokenizer.encode(prompt)),
      length,
    );
    const result = await io.session.run({ [SD_TENSORS.textEncoder.input]: ids });
    const states = floatData(result[io.statesOutput]);
    if (!states) throw new Error(`${io.file}: returned no floating ${io.statesOutput}`);
    const pooled = io.pooledOutput === null ? null : floatData(result[io.pooledOutput]);
    if (io.pooledOutput !== null && !pooled)
      throw new Error(`${io.file}: returned no floating ${io.pooledOutput}`);
    outputs.push({ states, width: states.length / prompts.length / length, pooled });
  }
  const tokens = encoders[0]?.tokenizer.maxLength ?? 0;
  const totalWidth = outputs.reduce((sum, { width }) => sum + width, 0);
  const pooledBy = outputs.findLast(({ pooled }) => pooled !== null)?.pooled ?? null;
  return prompts.map((_, prompt) => {
    const states = new Float32Array(tokens * totalWidth);
    let offset = 0;
    for (const output of outputs) {
      for (let token = 0; token < tokens; token++) {
        const from = (prompt * tokens + token) * output.width;
        states.set(output.states.subarray(from, from + output.width), token * totalWidth + offset);
      }
      offset += output.width;
    }
    const pooledWidth = pooledBy ? pooledBy.length / prompts.length : 0;
    const pooled = pooledBy ? pooledBy.slice(prompt * pooledWidth, (prompt + 1) * pooledWidth) : null;
    return { states, pooled };
  });
}
