import { describe, expect, it } from 'vitest';
import type { BackendProgress } from '../../backends/backend.ts';
import { BackendCallError } from '../../backends/backend-call-error.ts';
import { readGenerateStream } from '../../backends/gpu-node/gpu-node-stream.ts';
import { loadEventData, loadHeaders, type PiggybackedLoad } from '../../shared/index.ts';
import { pngBase64 } from '../support/providers/provider-http.ts';

/** A streamed answer whose bytes arrive cut at `cuts` (byte offsets), as a network would cut them. */
function streamedAnswer(
  text: string,
  cuts: readonly number[],
  bytesStream = false,
  headers: Record<string, string> = { 'x-spillway-queued': '0', 'x-spillway-running': '1' },
): Response {
  const bytes = new TextEncoder().encode(text);
  const bounds = [0, ...cuts.filter((cut) => cut > 0 && cut < bytes.length), bytes.length];
  const source = {
    start(controller: { enqueue(chunk: Uint8Array): void; close(): void }) {
      for (let index = 1; index < bounds.length; index++) {
        controller.enqueue(bytes.slice(bounds[index - 1], bounds[index]));
      }
      controller.close();
    },
  };
  // Fetch bodies are byte streams (read into one buffer); others are read as they come.
  const body = bytesStream
    ? new ReadableStream({ type: 'bytes', ...source })
    : new ReadableStream<Uint8Array>(source);
  return new Response(body, {
    status: 200,
    headers: { 'content-type': 'text/event-stream', ...headers },
  });
}

/** Sides of the test image: noise this large makes a data line of about 100 KB of base64. */
const NOISE_SIDE = 150;

/** A real PNG of deterministic noise, which deflate cannot shrink: a large image, cut many times. */
function noisePng(): string {
  let state = 7;
  const rgb = Uint8Array.from({ length: NOISE_SIDE * NOISE_SIDE * 3 }, () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state >>> 24;
  });
  return pngBase64(rgb, NOISE_SIDE, NOISE_SIDE);
}

// A large image, then a multi-byte character in its revised prompt, so cuts fall inside a code
// point and inside the data line.
const image = noisePng();
const revisedPrompt = 'a café at dusk';
/** What a valid answer may hold here: far more than these streams. */
const limit = { maxBytes: 1024 * 1024, what: 'the answer of a test pool' };
const completed = JSON.stringify({
  created: 1_700_000_000,
  data: [{ b64_json: image, seed: 7, revised_prompt: revisedPrompt }],
});
const events = [
  'event: queued\ndata: {"position":2}\n\n',
  ': keep-alive comment\n\n',
  'event: progress\r\ndata: {"step":1,"steps":4}\r\n\r\n',
  'event: progress\ndata: {"step":2,"steps":4}\n\n',
  `event: completed\ndata: ${completed}\n\n`,
].join('');

async function read(text: string, cuts: readonly number[], bytesStream = false) {
  const progress: BackendProgress[] = [];
  const result = await readGenerateStream(
    streamedAnswer(text, cuts, bytesStream),
    1,
    () => 0,
    (event) => progress.push(event),
    limit,
  );
  return { result, progress };
}

describe('gpu-node event stream', () => {
  it('stream: events cut anywhere, even inside a character, read the same as whole', async () => {
    const whole = await read(events, []);
    expect(whole.progress).toEqual([
      { kind: 'queued', position: 2 },
      { kind: 'progress', step: 1, steps: 4 },
      { kind: 'progress', step: 2, steps: 4 },
    ]);
    expect(image.length).toBeGreaterThan(NOISE_SIDE * NOISE_SIDE * 4);
    expect(whole.result.response.data[0]).toEqual({
      b64_json: image,
      seed: 7,
      revised_prompt: revisedPrompt,
    });
    const accented = new TextEncoder().encode(events).indexOf(0xc3);
    for (const cuts of [
      [1, 5, 33],
      [accented, accented + 1],
      Array.from({ length: 60 }, (_, i) => i * 1_777),
    ]) {
      for (const bytesStream of [false, true]) {
        const cut = await read(events, cuts, bytesStream);
        expect(cut.progress).toEqual(whole.progress);
        expect(cut.result.response).toEqual(whole.result.response);
      }
    }
  });

  it('stream: a failed event is the pool’s error, with the status its code carries', async () => {
    const failed =
      'event: failed\ndata: {"error":{"type":"overloaded_error","code":"queue_full","message":"full","param":null},"request_id":"r1"}\n\n';
    const error = await read(failed, [10]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BackendCallError);
    expect(error).toMatchObject({ status: 503, code: 'queue_full' });
  });

  it('stream: a stream that ends before the job settles is a broken answer, never a result', async () => {
    const error = await read(events.slice(0, events.indexOf('event: completed')), [3]).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BackendCallError);
    expect(error).toMatchObject({ code: 'upstream_failed', retryable: true });
  });

  describe('the load that comes back', () => {
    // The pool as it took the job (the stream's headers) and as the job left it (`load`).
    const atOpen: PiggybackedLoad = {
      queued: 7,
      running: 16,
      slots: 16,
      draining: false,
      queuedWork: 9,
      runningWork: 20,
    };
    const atEnd: PiggybackedLoad = {
      queued: 0,
      running: 2,
      slots: 16,
      draining: false,
      queuedWork: 0,
      runningWork: 1.5,
    };
    const loadEvent = `event: load\ndata: ${loadEventData(atEnd)}\n\n`;
    const failed =
      'event: failed\ndata: {"error":{"type":"api_error","code":"inference_failed","message":"x","param":null},"request_id":"r1"}\n\n';
    const readAt = (text: string) => {
      let clock = 1_000;
      return readGenerateStream(
        streamedAnswer(text, [], true, loadHeaders(atOpen)),
        1,
        () => clock++,
        () => undefined,
        limit,
      );
    };

    it("stream: the load is the pool's as the job left it, from the `load` event before `completed`", async () => {
      const completedAt = events.indexOf('event: completed');
      const result = await readAt(events.slice(0, completedAt) + loadEvent + events.slice(completedAt));
      expect(result.load).toEqual(atEnd);
    });

    it("stream: without a `load` event, the headers' figures come back stamped with when they arrived", async () => {
      const result = await readAt(events);
      // As old as the job: read as taken when the stream opened, not when it ended.
      expect(result.load).toEqual({ ...atOpen, takenAt: 1_000 });
      const malformed = await readAt(`event: load\ndata: {"x-spillway-queued":"-1"}\n\n${events}`);
      expect(malformed.load).toEqual({ ...atOpen, takenAt: 1_000 });
    });

    it('stream: a failed job carries the load as it left the pool too', async () => {
      const error = await readAt(loadEvent + failed).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackendCallError);
      expect((error as BackendCallError).load).toEqual(atEnd);
    });
  });
});
