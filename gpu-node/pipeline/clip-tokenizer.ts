import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { z } from 'zod';

/** CLIP's special tokens. */
export const CLIP_START = '<|startoftext|>';
export const CLIP_END = '<|endoftext|>';

/** CLIP's context length, when `tokenizer_config.json` does not say. */
const DEFAULT_MAX_LENGTH = 77;

const tokenizerConfigSchema = z
  .object({
    model_max_length: z.number().int().positive().max(4096).optional(),
    pad_token: z.union([z.string(), z.object({ content: z.string() }).loose()]).optional(),
  })
  .loose();

/** A pipeline's text tokenizer: prompt in, exactly `maxLength` token ids out. */
export interface PromptTokenizer {
  readonly maxLength: number;
  /** Token ids with start and end tokens, truncated (keeping the end token) and padded. */
  encode(prompt: string): Int32Array;
}

/**
 * Loads a pipeline's CLIP tokenizer from its own folder, nothing fetched: `tokenizer.json` when
 * the export has one (the fast format), else `vocab.json` and `merges.txt` (the slow format SD's
 * exports ship), converted as transformers' `CLIPConverter` does. Pads with the config's
 * `pad_token` (SD 1.x: `<|endoftext|>`; SD 2.x: `!`) to `model_max_length`.
 *
 * @example
 * const tokenizer = await loadClipTokenizer('models/sd-turbo/tokenizer');
 * tokenizer.encode('a photo of a cat'); // Int32Array(77) [49406, 320, 1125, 539, 320, 2368, 49407, 49407, …]
 */
export async function loadClipTokenizer(folder: string): Promise<PromptTokenizer> {
  const configPath = join(folder, 'tokenizer_config.json');
  const config = tokenizerConfigSchema.parse(
    existsSync(configPath) ? JSON.parse(await readFile(configPath, 'utf8')) : {},
  );
  const fastPath = join(folder, 'tokenizer.json');
  const definition = existsSync(fastPath)
    ? JSON.parse(await readFile(fastPath, 'utf8'))
    : clipDefinition(
        JSON.parse(await readFile(join(folder, 'vocab.json'), 'utf8')),
        (await readFile(join(folder, 'merges.txt'), 'utf8'))
          .split('\n')
          .filter((line) => line.length > 0 && !line.startsWith('#version')),
      );
  const tokenizer = new Tokenizer(definition, config);
  const maxLength = Math.min(config.model_max_length ?? DEFAULT_MAX_LENGTH, 4096);
  const padName =
    typeof config.pad_token === 'object' ? config.pad_token.content : (config.pad_token ?? CLIP_END);
  const endId = tokenizer.token_to_id(CLIP_END);
  const padId = tokenizer.token_to_id(padName) ?? endId;
  if (endId === undefined || padId === undefined) {
    throw new Error(`${folder}: the vocabulary has no ${CLIP_END} token`);
  }
  return {
    maxLength,
    encode(prompt) {
      const ids = tokenizer.encode(prompt).ids.map(Number);
      if (ids.length > maxLength) ids.splice(maxLength - 1, ids.length - maxLength + 1, endId);
      const out = new Int32Array(maxLength).fill(padId);
      out.set(ids);
      return out;
    },
  };
}

/**
 * CLIP's fast-tokenizer definition from its slow files (transformers' `CLIPConverter`):
 * whitespace collapsed and lowercased, split into words, numbers and punctuation runs, byte-level
 * BPE with `</w>` ending each word, start and end tokens around the ids.
 */
function clipDefinition(vocab: Record<string, number>, merges: readonly string[]): object {
  const startId = vocab[CLIP_START];
  const endId = vocab[CLIP_END];
  if (startId === undefined || endId === undefined) {
    throw new Error(`vocab.json has no ${CLIP_START} or ${CLIP_END} token`);
  }
  const special = (content: string, id: number) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: true,
    special: true,
  });
  return {
    version: '1.0',
    added_tokens: [special(CLIP_START, startId), special(CLIP_END, endId)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'NFC' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: {
            Regex:
              "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
          },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing',
      sep: [CLIP_END, endId],
      cls: [CLIP_START, startId],
      trim_offsets: false,
      add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: CLIP_END,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges,
    },
  };
}
