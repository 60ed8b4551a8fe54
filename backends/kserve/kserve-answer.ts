import { asRecord, bytesToBase64, isPngBase64 } from '../provider-kit/index.ts';
import { encodePng, isPngChannelCount } from './png-encoder.ts';

/** Why an output tensor could not become images. */
export class TensorAnswerError extends Error {}

/**
 * The images in the `imageTensor` output of an inference answer, as base64 PNGs: a BYTES
 * tensor of base64 PNG elements, or a UINT8 tensor `[n, h, w, c]` / `[h, w, c]` (c = 1, 3 or 4)
 * encoded here. Throws {@link TensorAnswerError} for anything else.
 */
export async function imagesFromAnswer(body: unknown, imageTensor: string): Promise<string[]> {
  const outputs = asRecord(body)?.outputs;
  const found = Array.isArray(outputs)
    ? outputs.find((output) => asRecord(output)?.name === imageTensor)
    : null;
  const tensor = asRecord(found);
  if (!tensor) throw new TensorAnswerError(`the answer has no output named ${imageTensor}`);
  const shape = Array.isArray(tensor.shape) ? (tensor.shape as unknown[]) : [];
  if (!shape.every((dimension) => Number.isSafeInteger(dimension) && Number(dimension) >= 0)) {
    throw new TensorAnswerError(`output ${imageTensor} has a malformed shape`);
  }
  const dimensions = shape.map(Number);
  const data = Array.isArray(tensor.data) ? (tensor.data as unknown[]).flat(Number.POSITIVE_INFINITY) : [];
  const elements = dimensions.reduce((product, dimension) => product * dimension, 1);
  if (data.length !== elements)
    throw new TensorAnswerError(`output ${imageTensor} data does not match its shape`);
  switch (tensor.datatype) {
    case 'BYTES':
      if (!data.every((item): item is string => typeof item === 'string' && isPngBase64(item))) {
        throw new TensorAnswerError(`output ${imageTensor} holds elements that are not base64 PNGs`);
      }
      return data;
    case 'UINT8':
      return uint8Images(dimensions, data, imageTensor);
    default:
      throw new TensorAnswerError(
        `output ${imageTensor} has datatype ${String(tensor.datatype)}, not BYTES or UINT8`,
      );
  }
}

async function uint8Images(shape: number[], data: unknown[], name: string): Promise<string[]> {
  const [count, height, width, channels] = shape.length === 3 ? [1, ...shape] : shape;
  if (
    shape.length < 3 ||
    shape.length > 4 ||
    count === undefined ||
    height === undefined ||
    width === undefined ||
    channels === undefined ||
    !isPngChannelCount(channels)
  ) {
    throw new TensorAnswerError(`output ${name} is not [n, h, w, c] or [h, w, c] with c 1, 3 or 4`);
  }
  if (!data.every((value) => Number.isInteger(value) && Number(value) >= 0 && Number(value) <= 255)) {
    throw new TensorAnswerError(`output ${name} holds values that are not UINT8`);
  }
  const pixels = Uint8Array.from(data as number[]);
  const size = height * width * channels;
  const images: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const png = await encodePng(pixels.subarray(index * size, (index + 1) * size), width, height, channels);
    images.push(bytesToBase64(png));
  }
  return images;
}

/** KServe's error body `{ "error": "…" }`: the message, or null. */
export function kserveErrorMessage(body: unknown): string | null {
  const error = asRecord(body)?.error;
  return typeof error === 'string' ? error : null;
}
