import { Worker } from 'node:worker_threads';

/** A PNG for the image-tensor thread to convert. */
export interface ImageTensorTask {
  readonly id: number;
  readonly png: Uint8Array;
}

/** The thread's answer: the text's bytes (transferred) or why it could not be made. */
export type ImageTensorReply =
  | { readonly id: number; readonly ok: true; readonly buffer: ArrayBuffer; readonly length: number }
  | { readonly id: number; readonly ok: false; readonly message: string };

interface Pending {
  readonly resolve: (text: Uint8Array) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Makes the `data` text of KServe's UINT8 `image` tensor (`pngToRgbJsonText`) on one worker
 * thread, one PNG at a time in the order asked, so decoding and writing millions of numbers never
 * holds up the HTTP thread (its health checks, admissions and other responses). The thread starts
 * on first use, does not keep the process alive, and is started again after it fails.
 */
export class ImageTensorEncoder {
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | null = null;
  #nextId = 0;
  #closed = false;

  /** The JSON text of `png`'s RGB values, comma-separated, without brackets. */
  encode(png: Uint8Array): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(new Error('the image tensor encoder is closed'));
    const worker = this.#started();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, png } satisfies ImageTensorTask);
    });
  }

  /** Stops the thread; conversions still pending fail. */
  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    this.#failAll(new Error('the image tensor encoder is closed'));
    await worker?.terminate();
  }

  #started(): Worker {
    if (this.#worker) return this.#worker;
    const worker = new Worker(new URL('./image-tensor-worker.ts', import.meta.url));
    worker.unref();
    worker.on('message', (reply: ImageTensorReply) => {
      const pending = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (!pending) return;
      if (reply.ok) pending.resolve(new Uint8Array(reply.buffer, 0, reply.length));
      else pending.reject(new Error(`cannot read a PNG for the image tensor: ${reply.message}`));
    });
    const lost = (error: Error) => {
      if (this.#worker !== worker) return;
      this.#worker = null;
      this.#failAll(error);
    };
    worker.on('error', lost);
    worker.on('exit', (code) => lost(new Error(`the image tensor thread exited with code ${code}`)));
    this.#worker = worker;
    return worker;
  }

  #failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const { reject } of pending) reject(error);
  }
}
