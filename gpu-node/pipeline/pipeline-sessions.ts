import * as ort from 'onnxruntime-node';
import type { PipelineFolder } from './pipeline-folder.ts';
import { PipelineFolderError } from './pipeline-folder.ts';
import { SD_TENSORS } from './sd-tensors.ts';

/** What the exported graphs take, read from their own metadata. */
export interface PipelineIo {
  readonly inputIdsType: 'int32' | 'int64';
  readonly timestepType: 'float32' | 'float16' | 'int64';
  /** Float type of each graph's floating tensors: float16 in `--fp16` exports. */
  readonly textFloat: FloatType;
  readonly unetFloat: FloatType;
  readonly vaeFloat: FloatType;
  /** True when the UNet's timestep is one value for the whole batch (shape [1] or a scalar). */
  readonly sharedTimestep: boolean;
  readonly latentChannels: number;
  readonly hiddenSize: number | null;
}

/** ONNX Runtime's name for a floating tensor type the pipeline feeds or reads. */
export type FloatType = 'float32' | 'float16';

const FLOATS = ['float32', 'float16'];

/** The three sessions of an opened pipeline, and their inputs' dtypes. */
export interface PipelineSessions {
  readonly textEncoder: ort.InferenceSession;
  readonly unet: ort.InferenceSession;
  readonly vaeDecoder: ort.InferenceSession;
  readonly io: PipelineIo;
  release(): Promise<void>;
}

/**
 * Opens a pipeline's graphs on the given session options and checks every tensor the pipeline
 * feeds or reads against the names and dtypes of diffusers' and Optimum's SD exports, from the
 * sessions' own metadata. Throws `PipelineFolderError` naming the file and the tensor on a
 * mismatch (an SDXL UNet, a renamed tensor, a float16 UNet fed float32 text states). float32 and
 * float16 exports are both taken; the runner converts at the graphs' edges.
 */
export async function openPipelineSessions(
  folder: PipelineFolder,
  options: ort.InferenceSession.SessionOptions,
): Promise<PipelineSessions> {
  const opened: ort.InferenceSession[] = [];
  const open = async (path: string) => {
    try {
      const session = await ort.InferenceSession.create(path, options);
      opened.push(session);
      return session;
    } catch (error) {
      throw new PipelineFolderError(`${path}: ONNX Runtime could not load it: ${errorText(error)}`);
    }
  };
  try {
    if (folder.textEncoder2) {
      throw new PipelineFolderError(
        `${folder.textEncoder2}: SDXL pipelines (a second text encoder) are not supported yet`,
      );
    }
    const textEncoder = await open(folder.textEncoder);
    const unet = await open(folder.unet);
    const vaeDecoder = await open(folder.vaeDecoder);
    const names = SD_TENSORS;
    const inputIds = tensor(textEncoder, folder.textEncoder, 'input', names.textEncoder.input, [
      'int32',
      'int64',
    ]);
    const hidden = tensor(textEncoder, folder.textEncoder, 'output', names.textEncoder.hidden, FLOATS);
    const sample = tensor(unet, folder.unet, 'input', names.unet.sample, FLOATS);
    const unetFloat = sample.type === 'float16' ? 'float16' : 'float32';
    const timestep = tensor(unet, folder.unet, 'input', names.unet.timestep, [...FLOATS, 'int64']);
    tensor(unet, folder.unet, 'input', names.unet.context, [unetFloat]);
    tensor(unet, folder.unet, 'output', names.unet.output, [unetFloat]);
    for (const extra of ['text_embeds', 'time_ids']) {
      if (unet.inputNames.includes(extra)) {
        throw new PipelineFolderError(`${folder.unet}: input ${extra}: SDXL UNets are not supported yet`);
      }
    }
    const vaeInput = tensor(vaeDecoder, folder.vaeDecoder, 'input', names.vaeDecoder.input, FLOATS);
    const vaeFloat = vaeInput.type === 'float16' ? 'float16' : 'float32';
    tensor(vaeDecoder, folder.vaeDecoder, 'output', names.vaeDecoder.output, [vaeFloat]);
    const channels = sample.shape[1];
    const hiddenSize = hidden.shape[2];
    return {
      textEncoder,
      unet,
      vaeDecoder,
      io: {
        inputIdsType: inputIds.type === 'int64' ? 'int64' : 'int32',
        timestepType:
          timestep.type === 'int64' ? 'int64' : timestep.type === 'float16' ? 'float16' : 'float32',
        textFloat: hidden.type === 'float16' ? 'float16' : 'float32',
        unetFloat,
        vaeFloat,
        sharedTimestep: timestep.shape.length === 0 || timestep.shape[0] === 1,
        latentChannels: typeof channels === 'number' ? channels : 4,
        hiddenSize: typeof hiddenSize === 'number' ? hiddenSize : null,
      },
      release: async () => {
        await Promise.all(opened.map((session) => session.release()));
      },
    };
  } catch (error) {
    await Promise.all(opened.map((session) => session.release().catch(() => undefined)));
    throw error;
  }
}

function tensor(
  session: ort.InferenceSession,
  file: string,
  side: 'input' | 'output',
  name: string,
  types: readonly string[],
): ort.InferenceSession.TensorValueMetadata {
  const metadata = side === 'input' ? session.inputMetadata : session.outputMetadata;
  const found = metadata.find((entry) => entry.name === name);
  if (!found) {
    const has = metadata.map((entry) => entry.name).join(', ');
    throw new PipelineFolderError(`${file}: no ${side} tensor named ${name} (it has: ${has})`);
  }
  if (!found.isTensor || !types.includes(found.type)) {
    const type = found.isTensor ? found.type : 'a non-tensor value';
    throw new PipelineFolderError(`${file}: ${side} ${name} is ${type}; expected ${types.join(' or ')}`);
  }
  return found;
}

function errorText(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
}
