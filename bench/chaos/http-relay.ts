import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the relay was sent, as it arrived. */
export interface RelayedRequest {
  /** Epoch ms. */
  readonly at: number;
  readonly method: string;
  readonly path: string;
}

/** A running relay. */
export interface HttpRelay {
  readonly url: string;
  /** Every request it was sent, in arrival order, forwarded or not. */
  readonly requests: readonly RelayedRequest[];
  /**
   * Requests whose forwarding broke, and when: the target unreachable or reset mid-answer (the
   * sender was hung up on), or the sender itself gone before the answer (the relay dropped it).
   */
  readonly broken: readonly RelayedRequest[];
  /**
   * While cut, each request is hung up on before any answer: to its sender the target is
   * unreachable, as a refused connection is to the edge's adapters (`connection_failed`).
   */
  setCut(cut: boolean): void;
  close(): Promise<void>;
}

/** Headers of one hop only (RFC 9110 §7.6.1): never forwarded. */
const HOP_HEADERS = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

/**
 * An HTTP relay on 127.0.0.1 in front of `target()` that records every request it is sent. The
 * chaos bench registers a pool behind one, so the edge's dispatches to that pool stay observable
 * after the pool itself is SIGKILLed (nothing listens there then, and the relay hangs up on each
 * request as the dead port would refuse it); another relays a pool's heartbeats, cut to stop them.
 * Bodies stream both ways, so event streams pass through as they are written.
 */
export async function startHttpRelay(target: () => string): Promise<HttpRelay> {
  const requests: RelayedRequest[] = [];
  const broken: RelayedRequest[] = [];
  const agent = new Agent({ keepAlive: true });
  let cut = false;
  const relay = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const request = { at: Date.now(), method: incoming.method ?? 'GET', path: incoming.url ?? '/' };
    requests.push(request);
    if (cut) {
      incoming.socket.destroy();
      return;
    }
    const upstream = httpRequest(
      new URL(incoming.url ?? '/', target()),
      { method: incoming.method, headers: endToEnd(incoming.headers), agent },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, endToEnd(answer.headers));
        answer.pipe(outgoing);
        answer.on('error', () => outgoing.destroy());
      },
    );
    // Unreachable target, or the connection broke mid-answer: the sender sees the same break.
    upstream.on('error', () => {
      broken.push({ ...request, at: Date.now() });
      incoming.socket.destroy();
    });
    incoming.on('error', () => upstream.destroy());
    outgoing.on('error', () => upstream.destroy());
    outgoing.once('close', () => {
      if (!outgoing.writableFinished) upstream.destroy();
    });
    incoming.pipe(upstream);
  };
  const server = createServer(relay);
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    broken,
    setCut: (value) => {
      cut = value;
    },
    close: async () => {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      agent.destroy();
      await closed;
    },
  };
}

function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_HEADERS.has(name)));
}
