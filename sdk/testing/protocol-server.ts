import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ErrorCode, errorEnvelope } from '../../shared/index.ts';

/** A request as the test server received it. */
export interface RecordedRequest {
  readonly method: string;
  /** Path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Answers one request; may write slowly, hold the connection or destroy it. */
export type Respond = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

/** A real HTTP server on 127.0.0.1 for SDK tests. */
export interface ProtocolServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** The first request, already received or yet to come, that `matches`: wait on it, not on a clock. */
  waitForRequest(matches: (request: RecordedRequest) => boolean): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** Starts a server on an ephemeral 127.0.0.1 port that records every request and lets `respond` answer. */
export async function startProtocolServer(respond: Respond): Promise<ProtocolServer> {
  const requests: RecordedRequest[] = [];
  const waiters = new Set<(request: RecordedRequest) => void>();
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request = {
        method: incoming.method ?? 'GET',
        url: incoming.url ?? '/',
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      for (const waiter of waiters) waiter(request);
      Promise.resolve(respond(request, response)).catch((error: unknown) => {
        response.destroy(error instanceof Error ? error : new Error(String(error)));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    waitForRequest: (matches) =>
      new Promise((resolve) => {
        const seen = requests.find(matches);
        if (seen) return resolve(seen);
        const waiter = (request: RecordedRequest) => {
          if (!matches(request)) return;
          waiters.delete(waiter);
          resolve(request);
        };
        waiters.add(waiter);
      }),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a JSON response. */
export function replyJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** Writes the shared error envelope for a catalogued (or, for new codes, explicit) error. */
export function replyError(
  response: ServerResponse,
  status: number,
  code: ErrorCode,
  headers: Record<string, string> = {},
  requestId = 'req_test',
): void {
  replyJson(response, status, errorEnvelope(code, `test ${code}`, requestId), {
    'x-request-id': requestId,
    ...headers,
  });
}
