import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { type SchedulerConfig, schedulerConfigSchema } from '../diffusion/index.ts';

/** The VAE's latent scaling when its config does not say (SD 1.x/2.x's). */
const DEFAULT_SCALING_FACTOR = 0.18215;

const modelIndexSchema = z
  .object({ _class_name: z.string(), force_zeros_for_empty_prompt: z.boolean().optional() })
  .loose();
const vaeConfigSchema = z
  .object({
    scaling_factor: z.number().positive().optional(),
    latent_channels: z.number().int().positive().optional(),
  })
  .loose();

/** A pipeline folder's files and configs, checked present and well-formed. */
export interface PipelineFolder {
  readonly folder: string;
  /** `model_index.json`'s `_class_name`. */
  readonly pipelineClass: string;
  readonly textEncoder: string;
  /** SDXL's second text encoder, when the folder has one. */
  readonly textEncoder2: string | null;
  readonly unet: string;
  readonly vaeDecoder: string;
  readonly tokenizerFolder: string;
  readonly tokenizer2Folder: string | null;
  readonly scheduler: SchedulerConfig;
  readonly scalingFactor: number;
  /**
   * An empty negative prompt guides with zero states rather than the encoded empty string:
   * `model_index.json`'s `force_zeros_for_empty_prompt`, which SDXL pipelines default to true.
   */
  readonly forceZerosForEmptyPrompt: boolean;
}

/** A folder that does not match the exported layout; the message names the file. */
export class PipelineFolderError extends Error {
  override readonly name = 'PipelineFolderError';
}

/**
 * Reads a Stable Diffusion pipeline folder as diffusers' ONNX pipelines and Optimum's exporter
 * write it: `model_index.json`, `text_encoder/model.onnx`, `unet/model.onnx`,
 * `vae_decoder/model.onnx`, `tokenizer/`, `scheduler/scheduler_config.json` (SDXL adds
 * `text_encoder_2/` and `tokenizer_2/`). Throws `PipelineFolderError` naming the first file
 * missing or malformed.
 *
 * @example
 * const pipeline = await readPipelineFolder('models/sd-turbo');
 */
export async function readPipelineFolder(folder: string): Promise<PipelineFolder> {
  const index = await readJson(folder, 'model_index.json', modelIndexSchema);
  const scheduler = await readJson(folder, 'scheduler/scheduler_config.json', schedulerConfigSchema);
  const vaeConfigPath = join('vae_decoder', 'config.json');
  const vae = existsSync(join(folder, vaeConfigPath))
    ? await readJson(folder, vaeConfigPath, vaeConfigSchema)
    : {};
  const textEncoder2 = join(folder, 'text_encoder_2', 'model.onnx');
  const tokenizer2 = join(folder, 'tokenizer_2');
  const sdxl = existsSync(textEncoder2);
  const tokenizerFolder = join(folder, 'tokenizer');
  for (const [file, where] of [
    ['text_encoder/model.onnx', folder],
    ['unet/model.onnx', folder],
    ['vae_decoder/model.onnx', folder],
    ['tokenizer/vocab.json or tokenizer/tokenizer.json', folder],
  ] as const) {
    const present = file.startsWith('tokenizer/')
      ? existsSync(join(tokenizerFolder, 'tokenizer.json')) ||
        (existsSync(join(tokenizerFolder, 'vocab.json')) && existsSync(join(tokenizerFolder, 'merges.txt')))
      : existsSync(join(where, file));
    if (!present)
      throw new PipelineFolderError(
        `${join(folder, file)}: missing (not a ${basename(folder)} pipeline export?)`,
      );
  }
  if (sdxl && !existsSync(tokenizer2))
    throw new PipelineFolderError(`${tokenizer2}: missing (SDXL needs its second tokenizer)`);
  return {
    folder,
    pipelineClass: index._class_name,
    textEncoder: join(folder, 'text_encoder', 'model.onnx'),
    textEncoder2: sdxl ? textEncoder2 : null,
    unet: join(folder, 'unet', 'model.onnx'),
    vaeDecoder: join(folder, 'vae_decoder', 'model.onnx'),
    tokenizerFolder,
    tokenizer2Folder: sdxl ? tokenizer2 : null,
    scheduler,
    scalingFactor: vae.scaling_factor ?? DEFAULT_SCALING_FACTOR,
    forceZerosForEmptyPrompt: index.force_zeros_for_empty_prompt ?? sdxl,
  };
}

async function readJson<T>(folder: string, file: string, schema: z.ZodType<T>): Promise<T> {
  const path = join(folder, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new PipelineFolderError(`${path}: missing`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PipelineFolderError(
      `${path}: not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PipelineFolderError(
      `${path}: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}
