import { createParser } from 'eventsource-parser';
import {
  errorCatalog,
  errorEnvelopeSchema,
  LOAD_EVENT,
  type PiggybackedLoad,
  parseLoadEvent,
  parseLoadHeaders,
} from '../../shared/index.ts';
import type { BackendProgress, BackendResult } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { type BodyLimit, boundedChunks, oversizedBody } from '../provider-kit/index.ts';
import { errorAnswer, readGenerateAnswer } from './gpu-node-answer.ts';

/**
 * Bytes of `queued`, `progress` and `load` events and keep-alive comments a stream may carry
 * besides its answer: a few hundred steps, a queue position per job ahead, a comment a while,
 * over the longest deadline.
 */
export const STREAM_EVENTS_BYTES = 4 * 1024 * 1024;

/**
 * Reads gpu-node's streamed answer to `POST /v1/generate` (`Accept: text/event-stream`):
 * `queued` and `progress` events go to `onProgress`, then `completed` is read exactly like the
 * JSON answer and `failed` like the JSON error answer (same status the pool would have sent).
 * A stream that ends without either is the pool's failure (it may have died mid-job). Read
 * errors propagate to the caller, which sorts them like a body that broke off.
 *
 * `limit` is the most a valid answer holds: no event may be larger (`completed` carries every
 * image), and the whole stream may pass it by only {@link STREAM_EVENTS_BYTES} of other events. A
 * stream that does, or an event that never ends, is hung up on and fails as the pool's
 * (`oversizedBody`), never read on until the deadline.
 *
 * The load that comes back is the pool's as the job left it (the `load` event before the last),
 * else the stream's headers stamped with when they arrived (`takenAt`): they are as old as the
 * job, and a burst read them as the pool's load at its end (a whole burst once went to one pool).
 */
export async function readGenerateStream(
  response: Response,
  images: number,
  now: () => number,
  onProgress: (progress: BackendProgress) => void,
  limit: BodyLimit,
): Promise<BackendResult> {
  if (response.body === null) throw brokenStream(response, 'the event stream had no body');
  // One reader, one decoder and the parser fed by hand: the `completed` event is every image in
  // one data line, and two TransformStreams in between (decoder, parser) cost the edge's thread a
  // promise hop per chunk and stage each (bench:overload profile).
  const chunks = boundedChunks(response, {
    maxBytes: limit.maxBytes + STREAM_EVENTS_BYTES,
    what: `the event stream of ${limit.what}`,
  });
  const eventLimit = { ...limit, what: `an event of ${limit.what}` };
  // Bytes fed since the last event ended: what the parser holds of the next one.
  let unsettledBytes = 0;
  const decoder = new TextDecoder();
  // Set from the parser's callback, so typed wide: control flow cannot see that it changes.
  let outcome = null as { settled: BackendResult } | { failed: unknown } | null;
  const opened = parseLoadHeaders(response.headers);
  const atOpen = opened === null ? null : { ...opened, takenAt: now() };
  let atEnd: PiggybackedLoad | null = null;
  const parser = createParser({
    onEvent: (event) => {
      unsettledBytes = 0;
      if (outcome !== null) return;
      if (event.event === LOAD_EVENT) {
        atEnd = parseLoadEvent(event.data);
        return;
      }
      try {
        const settled = settle(
          { name: event.event ?? 'message', data: event.data },
          response,
          images,
          now,
          onProgress,
          atEnd ?? atOpen,
        );
        if (settled) outcome = { settled };
      } catch (error) {
        outcome = { failed: error };
      }
    },
  });
  try {
    for (;;) {
      const value = await chunks.next();
      if (value === null) break;
      unsettledBytes += value.byteLength;
      parser.feed(decoder.decode(value, { stream: true }));
      if (unsettledBytes > eventLimit.maxBytes) throw oversizedBody(response.status, eventLimit);
      if (outcome === null) continue;
      if ('failed' in outcome) throw outcome.failed;
      return outcome.settled;
    }
  } finally {
    // Settled (or failed) with the stream still open: hang up so the connection is freed.
    await chunks.cancel();
  }
  throw brokenStream(response, 'the event stream ended before the job settled');
}

function settle(
  event: { name: string; data: string },
  response: Response,
  images: number,
  now: () => number,
  onProgress: (progress: BackendProgress) => void,
  load: PiggybackedLoad | null,
): BackendResult | null {
  // `completed` carries every image: read once, by readGenerateAnswer, never parsed here too.
  const data = event.name === 'completed' ? undefined : parseJson(event.data);
  switch (event.name) {
    case 'queued': {
      const position = numberField(data, 'position');
      const batchMegapixels = numberField(data, 'batch_megapixels', false);
      const startInMs = numberField(data, 'start_in_ms', false);
      if (position === null) return null;
      onProgress({
        kind: 'queued',
        position,
        ...(batchMegapixels !== null && batchMegapixels > 0 ? { batchMegapixels } : {}),
        ...(startInMs !== null && startInMs >= 0 ? { startInMs } : {}),
      });
      return null;
    }
    case 'progress': {
      const step = numberField(data, 'step');
      const steps = numberField(data, 'steps');
      if (step !== null && steps !== null && steps > 0) onProgress({ kind: 'progress', step, steps });
      return null;
    }
    case 'completed':
      // The stream's own response is the 200 with the pool's headers; the images are in the text.
      return readGenerateAnswer(response, event.data, images, now(), load);
    case 'failed': {
      const envelope = errorEnvelopeSchema.safeParse(data);
      const code = envelope.success ? envelope.data.error.code : '';
      const status = code in errorCatalog ? errorCatalog[code as keyof typeof errorCatalog].status : 500;
      throw errorAnswer(new Response(null, { status, headers: response.headers }), event.data, now(), load);
    }
    default:
      return null;
  }
}

function numberField(data: unknown, field: string, integer = true): number | null {
  if (typeof data !== 'object' || data === null || !(field in data)) return null;
  const value: unknown = (data as Record<string, unknown>)[field];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) return null;
  return !integer || Number.isInteger(value) ? value : null;
}

function brokenStream(response: Response, message: string): BackendCallError {
  return new BackendCallError({
    message,
    status: response.status,
    code: 'upstream_failed',
    retryable: true,
    workStarted: true,
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
