import { describe, expect, it } from 'vitest';
import { readServerSentEvents, type ServerSentEvent } from './index.ts';

function streamOf(chunks: readonly string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
}

async function collect(chunks: readonly string[]): Promise<ServerSentEvent[]> {
  const events: ServerSentEvent[] = [];
  for await (const event of readServerSentEvents(streamOf(chunks))) events.push(event);
  return events;
}

const wire =
  '\uFEFF: comment\r\nevent: queued\r\nid: 1\r\ndata: {"a":1}\r\n\r\n' +
  'event: running\nid: 2\ndata: line one\ndata: line two\n\n' +
  'data:no space\rid\r\r' +
  'event: ignored-without-data\n\n' +
  'id: bad\u0000id\nevent: succeeded\ndata: {}\n\n' +
  'data: unterminated at end';

const expected: ServerSentEvent[] = [
  { event: 'queued', data: '{"a":1}', id: '1' },
  { event: 'running', data: 'line one\nline two', id: '2' },
  { event: 'message', data: 'no space', id: '' },
  { event: 'succeeded', data: '{}', id: '' },
];

describe('server-sent events parser', () => {
  it('parses CRLF, LF and CR lines, comments, multi-line data, ids and the BOM', async () => {
    expect(await collect([wire])).toEqual(expected);
  });

  it('gives the same events however the bytes are split into chunks', async () => {
    for (let cut = 1; cut < wire.length; cut++) {
      expect([cut, await collect([wire.slice(0, cut), wire.slice(cut)])]).toEqual([cut, expected]);
    }
    expect(await collect([...wire])).toEqual(expected);
  });

  it('decodes multi-byte UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: café ☕\n\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const byte of bytes) controller.enqueue(Uint8Array.of(byte));
        controller.close();
      },
    });
    const events: ServerSentEvent[] = [];
    for await (const event of readServerSentEvents(body)) events.push(event);
    expect(events.map((event) => event.data)).toEqual(['café ☕']);
  });

  it('cancels the body when the consumer stops early', async () => {
    let canceled = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.enqueue(new TextEncoder().encode('data: tick\n\n'));
      },
      cancel() {
        canceled = true;
      },
    });
    for await (const event of readServerSentEvents(body)) {
      expect(event.data).toBe('tick');
      break;
    }
    expect(canceled).toBe(true);
  });
});
