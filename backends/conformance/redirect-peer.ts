import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test server received. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 that records every request it receives. */
export interface RecordingServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** How a {@link RedirectingPeer} answers: a status and a `Location` for the request's path. */
export interface RedirectAnswer {
  readonly status: number;
  /** The `Location` header for a request to `path` (absolute or relative). */
  readonly location: (path: string) => string;
}

/** A peer posing as a pool that answers every request with a redirect, recording what came. */
export interface RedirectingPeer extends RecordingServer {
  /** The answer to every later request; set it before each call. */
  answer: RedirectAnswer;
}

/**
 * A server that records every request and answers 200 with an empty JSON object: where a
 * followed redirect would land.
 */
export function startRecordingServer(): Promise<RecordingServer> {
  return listen((request, body, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
    return recorded(request, body);
  });
}

/**
 * A peer that answers every request with `answer` (a 3xx and a `Location`), a body that looks
 * like an error envelope so an adapter that reads it anyway is caught out.
 */
export async function startRedirectingPeer(first: RedirectAnswer): Promise<RedirectingPeer> {
  const peer: { answer: RedirectAnswer } = { answer: first };
  const server = await listen((request, body, response) => {
    const { status, location } = peer.answer;
    response.writeHead(status, {
      location: location(request.url ?? '/'),
      'content-type': 'application/json',
    });
    response.end(
      JSON.stringify({
        error: { type: 'server_error', code: 'internal_error', message: 'moved', param: null },
        request_id: 'redirect',
      }),
    );
    return recorded(request, body);
  });
  return Object.assign(peer, server);
}

function recorded(request: IncomingMessage, body: string): RecordedRequest {
  return {
    method: request.method ?? '',
    path: request.url ?? '',
    authorization: request.headers.authorization ?? null,
    body,
  };
}

async function listen(
  handle: (request: IncomingMessage, body: string, response: ServerResponse) => RecordedRequest,
): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => requests.push(handle(request, Buffer.concat(chunks).toString('utf8'), response)));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
