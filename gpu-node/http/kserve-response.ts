import type { Job, JobImage } from '../scheduler/job.ts';
import type { ImageTensorEncoder } from './image-tensor-encoder.ts';
import { type InferRequest, kserveModelSignature } from './kserve-tensors.ts';

/** The fields of an inference response before its outputs. */
export interface InferResponseHead {
  readonly model_name: string;
  readonly model_version: string;
  readonly id: string;
}

/** A request's succeeded jobs, in prompt order, and the images they made. */
export interface InferResults {
  readonly jobs: readonly Job[];
  readonly images: readonly JobImage[];
}

/** One output tensor written as JSON (`image` is written by {@link inferResponseBody} itself). */
interface OutputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: readonly (string | number)[];
}

/**
 * The body of an inference response with the outputs the request asked for (all of them when it
 * names none), in the model's order. Without `image` it is the JSON text. With it, a stream: the
 * pixels of a 1024x1024 image are 3.1 million numbers, about 11 MB of JSON, so each image's
 * numbers are made on the encoder's thread only when the client has read what came before
 * (at most one image ahead of the socket per response).
 */
export function inferResponseBody(
  head: InferResponseHead,
  results: InferResults,
  request: InferRequest,
  encoder: ImageTensorEncoder,
): string | ReadableStream<Uint8Array> {
  const wanted = new Set(
    request.outputs?.map((output) => output.name) ?? kserveModelSignature.outputs.map((o) => o.name),
  );
  const { images } = results;
  const others: OutputTensor[] = [];
  if (wanted.has('png_base64')) {
    const data = images.map((image) => Buffer.from(image.png).toString('base64'));
    others.push({ name: 'png_base64', datatype: 'BYTES', shape: [images.length], data });
  }
  if (wanted.has('image_seed')) {
    const data = images.map((image) => image.seed);
    others.push({ name: 'image_seed', datatype: 'INT64', shape: [images.length], data });
  }
  if (!wanted.has('image')) return JSON.stringify({ ...head, outputs: others });
  const first = results.jobs[0]?.spec;
  const shape = [images.length, first?.height ?? 0, first?.width ?? 0, 3];
  const imageHead = JSON.stringify({ name: 'image', datatype: 'UINT8', shape }).slice(0, -1);
  const opening = `${JSON.stringify(head).slice(0, -1)},"outputs":[${imageHead},"data":[`;
  const closing = `]}${others.map((tensor) => `,${JSON.stringify(tensor)}`).join('')}]}`;
  return imageTensorStream(opening, images, closing, encoder);
}

function imageTensorStream(
  opening: string,
  images: readonly JobImage[],
  closing: string,
  encoder: ImageTensorEncoder,
): ReadableStream<Uint8Array> {
  const encode = (text: string) => new Uint8Array(Buffer.from(text));
  let next = 0;
  let canceled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encode(opening));
      },
      async pull(controller) {
        const image = images[next];
        if (!image) {
          controller.enqueue(encode(closing));
          controller.close();
          return;
        }
        const text = await encoder.encode(image.png);
        if (canceled) return;
        if (next > 0) controller.enqueue(encode(','));
        controller.enqueue(text);
        next += 1;
      },
      cancel() {
        canceled = true;
      },
    },
    // Pulled only when the reader asks: nothing is made ahead of the socket.
    { highWaterMark: 0 },
  );
}
