import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';

/** One request a fake provider (or its delivery host) received. */
export interface ProviderRequest {
  readonly method: string;
  /** Path and query, e.g. `/v1/predictions/abc`. */
  readonly path: string;
  /** The `Authorization` header, or null. */
  readonly authorization: string | null;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** A listening fake: its base URL and how to stop it. */
export interface Listening {
  readonly url: string;
  close(): Promise<void>;
}

/** A fake's answer: status, JSON (or raw bytes) and headers. */
export interface FakeAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly bytes?: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A listening fake that answers through a handler: its base URL, what it received, how to stop it. */
export interface FakeHttpServer extends Listening {
  readonly requests: ProviderRequest[];
}

/** Handles one request with its whole body read. */
export type Handler = (
  request: IncomingMessage,
  body: string,
  response: ServerResponse,
) => Promise<void> | void;

/** Listens on 127.0.0.1 (an ephemeral port) and records every request into `requests`. */
export async function listen(handle: Handler, requests?: ProviderRequest[]): Promise<Listening> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests?.push(recorded(request, body));
      Promise.resolve(handle(request, body, response)).catch((error: unknown) => {
        if (!response.headersSent) sendJson(response, 500, { error: String(error) });
      });
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}

/** Answers `status` with a JSON body and extra headers. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (response.destroyed) return;
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/**
 * Requests held inside a fake until released: `holdNext(count)` makes the next `count` requests
 * that reach `wait` stay there (counted in `waiting`) until the returned `release` is called.
 */
export class Gate {
  #pending = 0;
  #held: Array<() => void> = [];
  #waiting = 0;

  /** Requests held right now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Holds the next `count` requests; `release` lets every one of them go on. */
  holdNext(count: number): { release(): void } {
    this.#pending += count;
    return {
      release: () => {
        this.#pending = 0;
        for (const resume of this.#held.splice(0)) resume();
      },
    };
  }

  /** Resolves at once, or when released if this request is one of those held. */
  async wait(response: ServerResponse): Promise<void> {
    if (this.#pending === 0) return;
    this.#pending -= 1;
    this.#waiting += 1;
    await new Promise<void>((resume) => {
      this.#held.push(resume);
      // The client hung up: stop holding its request.
      response.once('close', resume);
    });
    this.#waiting -= 1;
  }
}

/** Resolves after `ms`, or as soon as the client hangs up. */
export function work(ms: number, response: ServerResponse): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(done, ms);
    response.once('close', () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** RGB pixels of a deterministic image for `prompt` and `index` (a colour per image). */
export function pixels(prompt: string, index: number, width: number, height: number): Uint8Array {
  let hash = index + 1;
  for (const character of prompt) hash = (hash * 31 + (character.codePointAt(0) ?? 0)) >>> 0;
  const data = new Uint8Array(width * height * 3);
  for (let offset = 0; offset < data.length; offset += 3) {
    data[offset] = hash & 0xff;
    data[offset + 1] = (hash >>> 8) & 0xff;
    data[offset + 2] = ((offset / 3) % width) & 0xff;
  }
  return data;
}

/** A real PNG (pngjs) of RGB `rgb` pixels, base64. */
export function pngBase64(rgb: Uint8Array, width: number, height: number): string {
  const png = new PNG({ width, height });
  for (let pixel = 0; pixel < width * height; pixel += 1) {
    png.data[pixel * 4] = rgb[pixel * 3] ?? 0;
    png.data[pixel * 4 + 1] = rgb[pixel * 3 + 1] ?? 0;
    png.data[pixel * 4 + 2] = rgb[pixel * 3 + 2] ?? 0;
    png.data[pixel * 4 + 3] = 255;
  }
  return PNG.sync.write(png).toString('base64');
}

/**
 * Starts a `node:http` server on 127.0.0.1 that records every request and answers through
 * `handle` (which may wait: a held `Prefer: wait`). A handler that throws answers 500.
 */
export async function startFakeHttp(
  handle: (request: ProviderRequest) => FakeAnswer | Promise<FakeAnswer>,
): Promise<FakeHttpServer> {
  const requests: ProviderRequest[] = [];
  const server = await listen(async (incoming, body, outgoing) => {
    const answer = await Promise.resolve()
      .then(() => handle(recorded(incoming, body)))
      .catch((error: unknown): FakeAnswer => ({ status: 500, json: { detail: String(error) } }));
    write(outgoing, answer);
  }, requests);
  return { ...server, requests };
}

function recorded(request: IncomingMessage, body: string): ProviderRequest {
  return {
    method: request.method ?? '',
    path: request.url ?? '/',
    authorization: request.headers.authorization ?? null,
    headers: { ...request.headers },
    body,
  };
}

function write(outgoing: ServerResponse, answer: FakeAnswer): void {
  if (outgoing.destroyed) return;
  const body = answer.bytes ?? (answer.json === undefined ? undefined : JSON.stringify(answer.json));
  const type = answer.bytes ? 'application/octet-stream' : 'application/json';
  outgoing.writeHead(answer.status, { 'content-type': type, ...answer.headers });
  outgoing.end(body);
}

/** A request's JSON body as an object, or an empty one. */
export function jsonBody(request: Pick<ProviderRequest, 'body'>): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(request.body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Largest side of a generated test image: the pixels do not matter, only that it is a PNG. */
const MAX_TEST_SIDE = 64;

/** A real PNG (pngjs), filled with a colour derived from `seed` so images differ by seed. */
export function testPng(width: number, height: number, seed: number): Uint8Array {
  const png = new PNG({ width: Math.min(width, MAX_TEST_SIDE), height: Math.min(height, MAX_TEST_SIDE) });
  for (let index = 0; index < png.data.length; index += 4) {
    png.data[index] = seed & 0xff;
    png.data[index + 1] = (seed >>> 8) & 0xff;
    png.data[index + 2] = (index / 4) & 0xff;
    png.data[index + 3] = 0xff;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/** The first bytes of a JPEG file: what a provider sends when it ignores `output_format`. */
export const JPEG_BYTES = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]);

/** The files a fake delivery host serves (Replicate's replicate.delivery, fal's CDN). */
export interface DeliveryHost extends FakeHttpServer {
  /** Publishes `bytes` and returns its URL on this host. */
  publish(path: string, bytes: Uint8Array): string;
}

/** A separate origin serving published output files, without any credential, as CDNs do. */
export async function startDeliveryHost(): Promise<DeliveryHost> {
  const files = new Map<string, Uint8Array>();
  const server = await startFakeHttp((request) => {
    const file = files.get(request.path);
    return file
      ? { status: 200, bytes: file, headers: { 'content-type': 'image/png' } }
      : { status: 404, json: { detail: 'Not found' } };
  });
  return {
    ...server,
    publish(path, bytes) {
      files.set(path, bytes);
      return `${server.url}${path}`;
    },
  };
}
