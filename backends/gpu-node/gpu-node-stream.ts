import { EventSourceParserStream } from 'eventsource-parser/stream';
import { errorCatalog, errorEnvelopeSchema } from '../../shared/index.ts';
import type { BackendProgress, BackendResult } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { errorAnswer, readGenerateAnswer } from './gpu-node-answer.ts';

/**
 * Reads gpu-node's streamed answer to `POST /v1/generate` (`Accept: text/event-stream`):
 * `queued` and `progress` events go to `onProgress`, then `completed` is read exactly like the
 * JSON answer and `failed` like the JSON error answer (same status the pool would have sent).
 * A stream that ends without either is the pool's failure (it may have died mid-job). Read
 * errors propagate to the caller, which sorts them like a body that broke off.
 */
export async function readGenerateStream(
  response: Response,
  images: number,
  now: () => number,
  onProgress: (progress: BackendProgress) => void,
): Promise<BackendResult> {
  const body = response.body;
  if (body === null) throw brokenStream(response, 'the event stream had no body');
  const reader = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const settled = settle(
        { name: value.event ?? 'message', data: value.data },
        response,
        images,
        now,
        onProgress,
      );
      if (settled) return settled;
    }
  } finally {
    // Settled (or failed) with the stream still open: hang up so the connection is freed.
    await reader.cancel().catch(() => undefined);
  }
  throw brokenStream(response, 'the event stream ended before the job settled');
}

function settle(
  event: { name: string; data: string },
  response: Response,
  images: number,
  now: () => number,
  onProgress: (progress: BackendProgress) => void,
): BackendResult | null {
  const data = parseJson(event.data);
  switch (event.name) {
    case 'queued': {
      const position = numberField(data, 'position');
      if (position !== null) onProgress({ kind: 'queued', position });
      return null;
    }
    case 'progress': {
      const step = numberField(data, 'step');
      const steps = numberField(data, 'steps');
      if (step !== null && steps !== null && steps > 0) onProgress({ kind: 'progress', step, steps });
      return null;
    }
    case 'completed':
      return readGenerateAnswer(
        new Response(event.data, { status: 200, headers: response.headers }),
        event.data,
        images,
        now(),
      );
    case 'failed': {
      const envelope = errorEnvelopeSchema.safeParse(data);
      const code = envelope.success ? envelope.data.error.code : '';
      const status = code in errorCatalog ? errorCatalog[code as keyof typeof errorCatalog].status : 500;
      throw errorAnswer(new Response(event.data, { status, headers: response.headers }), event.data, now());
    }
    default:
      return null;
  }
}

function numberField(data: unknown, field: string): number | null {
  if (typeof data !== 'object' || data === null || !(field in data)) return null;
  const value: unknown = (data as Record<string, unknown>)[field];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
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
