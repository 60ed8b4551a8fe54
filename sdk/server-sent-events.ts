import { clientError } from './errors.ts';

/** One dispatched server-sent event. */
export interface ServerSentEvent {
  /** The `event` field; `message` when the server sent none. */
  event: string;
  data: string;
  /** The last event id seen on the stream so far (ids persist across events, per the spec). */
  id: string | null;
}

/**
 * Parses a `text/event-stream` body as the WHATWG HTML spec (§9.2.6) describes: lines end in
 * CRLF, LF or CR; `:` lines are comments; multi-line `data` joins with `\n`; an event is dispatched
 * on a blank line and dropped if it has no data. A fetch-based reader, because React Native, iOS
 * and Android have no `EventSource` and EventSource cannot send an Authorization header.
 * With `idleTimeoutMs`, a connection that sends nothing (not even a comment) for that long is
 * given up with a `timeout` error: a phone's half-open connection otherwise hangs forever.
 * @example
 * for await (const event of readServerSentEvents(response.body)) console.log(event.event, event.data);
 */
export async function* readServerSentEvents(
  body: ReadableStream<Uint8Array>,
  idleTimeoutMs?: number,
): AsyncGenerator<ServerSentEvent, void, undefined> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let first = true;
  let event = '';
  let data: string[] = [];
  let id: string | null = null;
  try {
    for (;;) {
      const { done, value } = await withinIdle(reader.read(), idleTimeoutMs);
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      if (first && buffer.length > 0) {
        if (buffer.charCodeAt(0) === 0xfeff) buffer = buffer.slice(1);
        first = false;
      }
      let match = /\r\n|\r|\n/.exec(buffer);
      // A trailing CR may be the first half of a CRLF split across chunks: wait for more.
      while (match && (match[0] !== '\r' || match.index < buffer.length - 1 || done)) {
        const line = buffer.slice(0, match.index);
        buffer = buffer.slice(match.index + match[0].length);
        if (line === '') {
          if (data.length > 0) yield { event: event || 'message', data: data.join('\n'), id };
          event = '';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
          else if (field === 'id' && !value.includes('\0')) id = value;
        }
        match = /\r\n|\r|\n/.exec(buffer);
      }
      // An event not closed by a blank line when the stream ends is discarded (spec).
      if (done) return;
    }
  } finally {
    // Ends the connection when the consumer stops early (break, abort, terminal status).
    await reader.cancel().catch(() => undefined);
  }
}

function withinIdle<T>(read: Promise<T>, idleTimeoutMs: number | undefined): Promise<T> {
  if (idleTimeoutMs === undefined) return read;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const idle = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(clientError('timeout', `no data for ${idleTimeoutMs} ms`)),
      idleTimeoutMs,
    );
  });
  return Promise.race([read, idle]).finally(() => clearTimeout(timer));
}
