import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { ConformancePool } from '../../backends/conformance/conformance-suite.ts';
import type { ImageBackend } from '../../backends/index.ts';
import {
  errorEnvelope,
  type GenerationRequest,
  generationRequestSchema,
  loadHeaders,
} from '../../shared/index.ts';
import { eventually, telemetry } from '../support/pool-client.ts';

/** A quick request for the tiny model. */
export const quickRequest: GenerationRequest = generationRequestSchema.parse({
  prompt: 'a lighthouse at dusk',
  seed: 7,
  size: '64x64',
  steps: 2,
});

/** Several seconds of compute on one CPU core; tests cut it short. */
export const slowRequest: GenerationRequest = generationRequestSchema.parse({
  prompt: 'occupy the slot',
  seed: 1,
  size: '512x512',
  steps: 100,
});

/** A URL on 127.0.0.1 where nothing listens: a port taken from the OS and released. */
export async function closedUrl(): Promise<string> {
  const server = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no port'));
      else resolve(address.port);
    });
  });
  await new Promise((closed) => server.close(closed));
  return `http://127.0.0.1:${port}`;
}

/**
 * Fills a one-slot, no-queue pool with a slow job so its next request is refused; `release`
 * cancels the job and waits until its slot is free again.
 */
export async function occupy(
  backend: ImageBackend,
  pool: ConformancePool,
): Promise<{ readonly pool: ConformancePool; readonly release: () => Promise<void> }> {
  const jobId = `occupy-${crypto.randomUUID()}`;
  const running = backend
    .generate({ poolUrl: pool.url, jobId, request: slowRequest, deadlineMs: 60_000, token: pool.token })
    .then(
      () => 'finished',
      () => 'failed',
    );
  await eventually(async () => (await telemetry(pool.url, pool.token)).running === 1);
  return {
    pool,
    async release() {
      await backend.cancel({ poolUrl: pool.url, jobId, token: pool.token });
      await running;
      await eventually(async () => (await telemetry(pool.url, pool.token)).running === 0);
    },
  };
}

/** `Retry-After` the rate-limited stand-in sends. */
const RATE_LIMIT_RETRY_AFTER_SECONDS = 2;

/**
 * A stand-in that speaks gpu-node's protocol and answers every request 429 `rate_limited` with
 * `Retry-After` and load headers, as gpu-node's own error answers look. gpu-node itself never
 * answers 429 (it sheds load with 503 `queue_full`), so the conformance `rate-limited` case for
 * the gpu-node adapter is served from here; every other case runs against real gpu-node.
 */
export async function startRateLimitedPool(): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(429, {
        'content-type': 'application/json',
        'retry-after': String(RATE_LIMIT_RETRY_AFTER_SECONDS),
        ...loadHeaders({ queued: 0, running: 1, slots: 1, draining: false }),
      });
      response.end(JSON.stringify(errorEnvelope('rate_limited', 'too many requests', 'rate-limited')));
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise((closed) => {
        server.closeAllConnections();
        server.close(() => closed());
      }),
  };
}
