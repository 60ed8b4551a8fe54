import { basename, resolve } from 'node:path';
import { PIPELINE_SIZE_MULTIPLE as SIZE_MULTIPLE } from '../config/gpu-node-config.ts';
import { parseSize } from '../model/model-manifest.ts';
import { readPipelineFolder } from './pipeline-folder.ts';

/** A Stable Diffusion pipeline folder served as a model (`--pipeline`). */
export interface PipelineModel {
  readonly kind: 'pipeline';
  readonly name: string;
  /** Absolute path of the folder. */
  readonly folder: string;
  readonly sizes: readonly string[];
  readonly default_size: string;
  readonly default_steps: number;
  readonly max_steps: number;
  readonly default_guidance_scale: number;
}

/** What `--pipeline` and `--pipeline-sizes` say. */
export interface PipelineFlags {
  /** `DIR` (named after the folder) or `NAME=DIR`. */
  readonly pipeline: string;
  readonly sizes: readonly string[];
}

/**
 * The served model of a `--pipeline` flag, after reading and checking its folder. Defaults follow
 * its scheduler: a `trailing`-spaced config (SD-Turbo's) is a few-step model, run unguided at 4
 * steps; any other runs 25 steps at guidance 7.5 (diffusers' defaults for SD 1.x/2.x are 50 and
 * 7.5; 25 Euler steps are the usual trade). Requests may set either.
 *
 * @example
 * await pipelineModel({ pipeline: 'sd-turbo=models/sd-turbo', sizes: ['512x512'] });
 */
export async function pipelineModel(flags: PipelineFlags): Promise<PipelineModel> {
  const split = flags.pipeline.indexOf('=');
  const folder = resolve(split > 0 ? flags.pipeline.slice(split + 1) : flags.pipeline);
  const name = split > 0 ? flags.pipeline.slice(0, split) : basename(folder);
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
    throw new Error(`--pipeline ${flags.pipeline}: the model name must be 1-64 of [A-Za-z0-9_.-]`);
  }
  const sizes = flags.sizes.length > 0 ? flags.sizes : ['512x512'];
  for (const size of sizes) {
    const [width, height] = parseSize(size);
    if (!(width > 0 && height > 0) || width % SIZE_MULTIPLE !== 0 || height % SIZE_MULTIPLE !== 0) {
      throw new Error(`--pipeline-sizes: ${size} is not WIDTHxHEIGHT in multiples of ${SIZE_MULTIPLE}`);
    }
  }
  const { scheduler } = await readPipelineFolder(folder);
  const fewStep = scheduler.timestep_spacing === 'trailing';
  return {
    kind: 'pipeline',
    name,
    folder,
    sizes,
    default_size: sizes[0] ?? '512x512',
    default_steps: fewStep ? 4 : 25,
    max_steps: 100,
    default_guidance_scale: fewStep ? 0 : 7.5,
  };
}

/** Whether an engine's model is a pipeline folder (else a contract manifest). */
export function isPipelineModel(model: object): model is PipelineModel {
  return 'kind' in model && model.kind === 'pipeline';
}
