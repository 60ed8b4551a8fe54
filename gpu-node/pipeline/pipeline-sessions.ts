import * as ort from 'onnxruntime-node';
import type { PipelineFolder } from './pipeline-folder.ts';
import { PipelineFolderError } from './pipeline-folder.ts';
import type { FloatType, TimestepType } from './pipeline-tensors.ts';
import type { TextEncoderIo } from './prompt-encoder.ts';
import { SD_TENSORS } from './sd-tensors.ts';

/** SDXL base's size and crop conditioning: original (h, w), crop top-left (y, x), target (h, w). */
export const SDXL_TIME_IDS = 6;

/** What the exported UNet and VAE take, read from their own metadata. */
export interface PipelineIo {
  readonly timestepType: TimestepType;
  /** Float type of each graph's floating tensors: float16 in `--fp16` exports. */
  readonly unetFloat: FloatType;
  readonly vaeFloat: FloatType;
  /** True when the UNet's timestep is one value for the whole batch (shape [1] or a scalar). */
  readonly sharedTimestep: boolean;
  readonly latentChannels: number;
  /** True for SDXL UNets, which also take the pooled prompt and the size/crop ids. */
  readonly addedConditioning: boolean;
}

/** The sessions of an opened pipeline, and their inputs' dtypes. */
export interface PipelineSessions {
  /** One text encoder (SD 1.x/2.x) or two (SDXL), in the order their states are joined. */
  readonly textEncoders: readonly TextEncoderIo[];
  readonly unet: ort.InferenceSession;
  readonly vaeDecoder: ort.InferenceSession;
  readonly io: PipelineIo;
  release(): Promise<void>;
}

const FLOATS = ['float32', 'float16'];
const names = SD_TENSORS;

/**
 * Opens a pipeline's graphs on the given session options and checks every tensor the pipeline
 * feeds or reads against the names and dtypes of diffusers' and Optimum's SD and SDXL exports,
 * from the sessions' own metadata. Throws `PipelineFolderError` naming the file and the tensor on
 * a mismatch (a renamed tensor, a float16 UNet fed float32 text states, an SDXL UNet without its
 * second encoder). float32 and float16 exports are both taken; the runner converts at the edges.
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
    const textEncoder = await open(folder.textEncoder);
    const textEncoder2 = folder.textEncoder2 ? await open(folder.textEncoder2) : null;
    const unet = await open(folder.unet);
    const vaeDecoder = await open(folder.vaeDecoder);
    const sample = tensor(unet, folder.unet, 'input', names.unet.sample, FLOATS);
    const unetFloat = sample.type === 'float16' ? 'float16' : 'float32';
    const timestep = tensor(unet, folder.unet, 'input', names.unet.timestep, [...FLOATS, 'int64']);
    const context = tensor(unet, folder.unet, 'input', names.unet.context, [unetFloat]);
    tensor(unet, folder.unet, 'output', names.unet.output, [unetFloat]);
    const sdxlUnet = [names.unet.textEmbeds, names.unet.timeIds].some((name) =>
      unet.inputNames.includes(name),
    );
    if (sdxlUnet && !folder.textEncoder2) {
      throw new PipelineFolderError(
        `${folder.unet}: takes ${names.unet.textEmbeds} and ${names.unet.timeIds} (an SDXL UNet), but the folder has no text_encoder_2/model.onnx`,
      );
    }
    if (folder.textEncoder2 && !sdxlUnet) {
      throw new PipelineFolderError(
        `${folder.textEncoder2}: a second text encoder, but ${folder.unet} takes no ${names.unet.textEmbeds} or ${names.unet.timeIds}`,
      );
    }
    const textEncoders =
      textEncoder2 && folder.textEncoder2
        ? [
            encoderIo(textEncoder, folder.textEncoder, null, true),
            encoderIo(textEncoder2, folder.textEncoder2, names.textEncoder2.projected, true),
          ]
        : [encoderIo(textEncoder, folder.textEncoder, null, false)];
    if (sdxlUnet) checkAddedConditioning(unet, folder.unet, unetFloat, textEncoders);
    const contextWidth = context.shape[2];
    const widths = textEncoders.map(({ width }) => width);
    if (typeof contextWidth === 'number' && widths.every((width) => width !== null)) {
      const joined = widths.reduce<number>((sum, width) => sum + (width ?? 0), 0);
      if (joined !== contextWidth) {
        throw new PipelineFolderError(
          `${folder.unet}: ${names.unet.context} is ${contextWidth} wide; the text encoders give ${joined}`,
        );
      }
    }
    const vaeInput = tensor(vaeDecoder, folder.vaeDecoder, 'input', names.vaeDecoder.input, FLOATS);
    const vaeFloat = vaeInput.type === 'float16' ? 'float16' : 'float32';
    tensor(vaeDecoder, folder.vaeDecoder, 'output', names.vaeDecoder.output, [vaeFloat]);
    const channels = sample.shape[1];
    return {
      textEncoders,
      unet,
      vaeDecoder,
      io: {
        timestepType:
          timestep.type === 'int64' ? 'int64' : timestep.type === 'float16' ? 'float16' : 'float32',
        unetFloat,
        vaeFloat,
        sharedTimestep: timestep.shape.length === 0 || timestep.shape[0] === 1,
        latentChannels: typeof channels === 'number' ? channels : 4,
        addedConditioning: sdxlUnet,
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

/**
 * A text encoder's states output: the last layer's for SD 1.x/2.x; for SDXL the penultimate
 * layer's (`hidden_states[-2]`), which Optimum exports as `hidden_states.<layers - 1>`.
 */
function encoderIo(
  session: ort.InferenceSession,
  file: string,
  pooledOutput: string | null,
  penultimate: boolean,
): TextEncoderIo {
  const inputIds = tensor(session, file, 'input', names.textEncoder.input, ['int32', 'int64']);
  let statesOutput: string = names.textEncoder.hidden;
  if (penultimate) {
    const prefix = names.textEncoder.layerPrefix;
    const layers = session.outputNames
      .filter((name) => name.startsWith(prefix))
      .map((name) => Number(name.slice(prefix.length)))
      .filter(Number.isInteger);
    if (layers.length < 2) {
      throw new PipelineFolderError(
        `${file}: no ${prefix}N outputs: SDXL conditions on the penultimate layer's states (export with output_hidden_states, as Optimum's SDXL export does)`,
      );
    }
    statesOutput = `${prefix}${Math.max(...layers) - 1}`;
  }
  const states = tensor(session, file, 'output', statesOutput, FLOATS);
  if (pooledOutput !== null) tensor(session, file, 'output', pooledOutput, FLOATS);
  const width = states.shape[2];
  return {
    session,
    file,
    inputIdsType: inputIds.type === 'int64' ? 'int64' : 'int32',
    statesOutput,
    pooledOutput,
    width: typeof width === 'number' ? width : null,
  };
}

/** SDXL base's `text_embeds` and `time_ids`: the refiner's 5 aesthetic-score ids are refused. */
function checkAddedConditioning(
  unet: ort.InferenceSession,
  file: string,
  unetFloat: FloatType,
  encoders: readonly TextEncoderIo[],
): void {
  const embeds = tensor(unet, file, 'input', names.unet.textEmbeds, [unetFloat]);
  const timeIds = tensor(unet, file, 'input', names.unet.timeIds, [unetFloat]);
  const idCount = timeIds.shape[1];
  if (typeof idCount === 'number' && idCount !== SDXL_TIME_IDS) {
    throw new PipelineFolderError(
      `${file}: ${names.unet.timeIds} takes ${idCount} values; SDXL base takes ${SDXL_TIME_IDS} (refiners are not supported)`,
    );
  }
  const pooledEncoder = encoders.find(({ pooledOutput }) => pooledOutput !== null);
  const pooled = pooledEncoder?.session.outputMetadata.find(
    ({ name }) => name === pooledEncoder.pooledOutput,
  );
  const pooledWidth = pooled?.isTensor ? pooled.shape[1] : undefined;
  const embedsWidth = embeds.shape[1];
  if (typeof pooledWidth === 'number' && typeof embedsWidth === 'number' && pooledWidth !== embedsWidth) {
    throw new PipelineFolderError(
      `${file}: ${names.unet.textEmbeds} is ${embedsWidth} wide; ${pooledEncoder?.file} gives ${pooledWidth}`,
    );
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
