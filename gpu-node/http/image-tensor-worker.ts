import { parentPort } from 'node:worker_threads';
import type { ImageTensorReply, ImageTensorTask } from './image-tensor-encoder.ts';
import { pngToRgbJsonText } from './rgb-json-text.ts';

// The thread that turns PNGs into the text of KServe's `image` tensor, off the HTTP thread.
const port = parentPort;
if (!port) throw new Error('image-tensor-worker.ts runs as a worker thread');

port.on('message', ({ id, png }: ImageTensorTask) => {
  let reply: ImageTensorReply;
  try {
    const { text } = pngToRgbJsonText(png);
    reply = { id, ok: true, buffer: text.buffer as ArrayBuffer, length: text.byteLength };
  } catch (error) {
    reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply, reply.ok ? [reply.buffer] : []);
});
