import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How one answer ended at the server: every byte handed to the connection, or the client hung up first. */
export type AnswerEnd = 'finished' | 'hung up';

/** A pool that answers through `answer`, recording how each answer ended. */
export interface HostilePool {
  readonly url: string;
  /** How each answer so far ended, in the order the requests came. */
  readonly ends: Promise<AnswerEnd>[];
  close(): Promise<void>;
}

/** Bytes written per write: large enough to be quick, small enough that a hang-up stops it early. */
const WRITE_BYTES = 1024 * 1024;

/**
 * Starts a server on 127.0.0.1 speaking a pool's HTTP (gpu-node's, an OpenAI Images API's) that
 * answers through `answer`, after reading the request. It stands in for a broken or hostile pool,
 * as the black-box tester ran one: answers too large, endless, or not what they claim to be.
 */
export async function startHostilePool(
  answer: (request: IncomingMessage, response: ServerResponse) => Promise<void> | void,
): Promise<HostilePool> {
  const ends: Promise<AnswerEnd>[] = [];
  const server = createServer((request, response) => {
    ends.push(
      new Promise((resolve) => {
        response.once('finish', () => resolve('finished'));
        response.once('close', () => resolve(response.writableFinished ? 'finished' : 'hung up'));
      }),
    );
    request.resume();
    request.on('end', () => {
      Promise.resolve(answer(request, response)).catch(() => response.destroy());
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    ends,
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/**
 * Writes `head`, then `filler` repeated to `fillerBytes` bytes (forever when Infinity), then `tail`,
 * waiting for the client to take each write; stops as soon as the client hangs up.
 */
export async function writeLarge(
  response: ServerResponse,
  parts: { head: string; filler: string; fillerBytes: number; tail: string },
): Promise<void> {
  const block = Buffer.from(parts.filler.repeat(Math.max(1, Math.floor(WRITE_BYTES / parts.filler.length))));
  const chunks = async function* () {
    yield Buffer.from(parts.head);
    for (let left = parts.fillerBytes; left > 0; left -= block.length) {
      yield left >= block.length ? block : block.subarray(0, left);
    }
    yield Buffer.from(parts.tail);
  };
  for await (const chunk of chunks()) {
    if (response.destroyed) return;
    if (!response.write(chunk)) await drainedOrClosed(response);
  }
  if (!response.destroyed) response.end();
}

/** Bytes `writeLarge` writes for `parts`. */
export function largeLength(parts: { head: string; fillerBytes: number; tail: string }): number {
  return Buffer.byteLength(parts.head) + parts.fillerBytes + Buffer.byteLength(parts.tail);
}

function drainedOrClosed(response: ServerResponse): Promise<void> {
  return new Promise((resume) => {
    const done = () => {
      response.off('drain', done);
      response.off('close', done);
      resume();
    };
    response.on('drain', done);
    response.on('close', done);
  });
}
