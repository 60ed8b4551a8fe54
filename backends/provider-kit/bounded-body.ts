import { BackendCallError } from '../backend-call-error.ts';

/** How much of a body to read, and what to call it in the error. */
export interface BodyLimit {
  /** The most bytes a valid answer can hold (`answerLimits`, `MAX_SMALL_ANSWER_BYTES`, …). */
  readonly maxBytes: number;
  /** The body, for the message: `the answer of http://pool:8080`; never a URL's path or query. */
  readonly what: string;
  /**
   * `maxBytes` is the edge's own bound on one answer, below what a valid one may hold
   * (`AnswerLimits.edgeCapped`): a body past it fails the request, not the pool.
   */
  readonly edgeCapped?: boolean;
}

/** Largest read asked of a byte stream: a large event or image in a read or two. */
const READ_BUFFER_BYTES = 256 * 1024;

/** A body's bytes chunk by chunk, each valid until the next read; `null` at its end. */
export interface BoundedChunks {
  /** The next chunk; rejects (and hangs up) once the body passes its limit. */
  next(): Promise<Uint8Array | null>;
  /** Hangs up: the rest of the body is never read. Safe to call more than once. */
  cancel(): Promise<void>;
}

/**
 * Reads `response`'s body chunk by chunk, counting: a declared `Content-Length` over the limit
 * fails before anything is read, and a body that passes the limit fails as soon as it does. Either
 * way the stream is cancelled (the connection hangs up) and the call fails with
 * {@link oversizedBody}: the pool's failure, retryable, like a malformed answer. A pool's answer is
 * never read whole first: one broken or hostile answer would take the isolate's memory.
 *
 * Reads into one large buffer where the stream allows it (a byte stream, as fetch bodies are):
 * workerd hands a default reader ~4 KB at a time, and each read is a promise and a call into the
 * runtime. Other streams are read as they come.
 */
export function boundedChunks(response: Response, limit: BodyLimit): BoundedChunks {
  const body = response.body;
  const source = body === null ? null : chunkSource(body);
  let read = 0;
  let checkedDeclared = false;
  const fail = async (): Promise<never> => {
    await source?.cancel();
    throw oversizedBody(response.status, limit);
  };
  return {
    async next() {
      if (!checkedDeclared) {
        checkedDeclared = true;
        if (declaredLength(response) > limit.maxBytes) return await fail();
      }
      const chunk = source === null ? null : await source.next();
      if (chunk === null) return null;
      read += chunk.byteLength;
      if (read > limit.maxBytes) return await fail();
      return chunk;
    },
    cancel: async () => {
      await source?.cancel();
    },
  };
}

/**
 * The body as text (UTF-8), read within `limit` ({@link boundedChunks}). A body that declares its
 * length within the limit, uncompressed, is read by the runtime in one go: HTTP frames it by that
 * length, and the chunked read allocates a large buffer per call, which a stream of small answers
 * turns into collector pauses (bench:edge's p99).
 */
export async function readBoundedText(response: Response, limit: BodyLimit): Promise<string> {
  if (declaredWithin(response, limit)) return await response.text();
  const chunks = boundedChunks(response, limit);
  const decoder = new TextDecoder();
  const parts: string[] = [];
  try {
    for (let chunk = await chunks.next(); chunk !== null; chunk = await chunks.next()) {
      parts.push(decoder.decode(chunk, { stream: true }));
    }
  } finally {
    await chunks.cancel();
  }
  parts.push(decoder.decode());
  return parts.join('');
}

/** The body's bytes, read within `limit` ({@link boundedChunks}; as {@link readBoundedText}). */
export async function readBoundedBytes(response: Response, limit: BodyLimit): Promise<Uint8Array> {
  if (declaredWithin(response, limit)) return new Uint8Array(await response.arrayBuffer());
  const chunks = boundedChunks(response, limit);
  const parts: Uint8Array[] = [];
  let length = 0;
  try {
    for (let chunk = await chunks.next(); chunk !== null; chunk = await chunks.next()) {
      // Copied: the chunk's buffer is reused by the next read.
      parts.push(chunk.slice());
      length += chunk.byteLength;
    }
  } finally {
    await chunks.cancel();
  }
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/**
 * The {@link BackendCallError} for a body over its limit: the pool's failure (a valid answer holds
 * less), retryable elsewhere, and it may have spent compute. Past the edge's own bound on one
 * answer (`limit.edgeCapped`) it is `answer_too_large` instead: any pool's answer would be as large,
 * so it is not retried elsewhere and no pool is held to blame.
 */
export function oversizedBody(status: number | null, limit: BodyLimit): BackendCallError {
  if (limit.edgeCapped) {
    return new BackendCallError({
      message: `${limit.what} is over ${limit.maxBytes} bytes, the most the edge takes in one answer`,
      status,
      code: 'answer_too_large',
      retryable: false,
      workStarted: true,
    });
  }
  return new BackendCallError({
    message: `${limit.what} is over ${limit.maxBytes} bytes, more than a valid answer can hold; it was not read further`,
    status,
    code: 'upstream_failed',
    retryable: true,
    workStarted: true,
  });
}

/** Whether the body declares a length (uncompressed) that is within `limit`. */
function declaredWithin(response: Response, limit: BodyLimit): boolean {
  const declared = declaredLength(response);
  return declared > 0 && declared <= limit.maxBytes;
}

/**
 * The body's declared length, or 0 when unknown. A compressed body's `Content-Length` counts the
 * encoded bytes, not what fetch hands over, so it is not compared.
 */
function declaredLength(response: Response): number {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return 0;
  const declared = Number(response.headers.get('content-length') ?? '');
  return Number.isSafeInteger(declared) && declared > 0 ? declared : 0;
}

interface ChunkSource {
  next(): Promise<Uint8Array | null>;
  cancel(): Promise<void>;
}

function chunkSource(body: ReadableStream<Uint8Array>): ChunkSource {
  let byob: ReadableStreamBYOBReader | null = null;
  try {
    byob = body.getReader({ mode: 'byob' });
  } catch {
    // Not a byte stream: the default reader below.
  }
  if (byob !== null) {
    const reader = byob;
    let buffer = new ArrayBuffer(READ_BUFFER_BYTES);
    return {
      async next() {
        const { value, done } = await reader.read(new Uint8Array(buffer));
        if (done || value === undefined) return null;
        // The caller is done with the chunk before the next read reuses its buffer.
        buffer = value.buffer as ArrayBuffer;
        return value;
      },
      cancel: () => reader.cancel().catch(() => undefined),
    };
  }
  const reader = body.getReader();
  return {
    async next() {
      const { value, done } = await reader.read();
      return done ? null : value;
    },
    cancel: () => reader.cancel().catch(() => undefined),
  };
}
