import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import { parseTraceparent } from '../../shared/trace-context.ts';
import { dispatchWithFailover } from '../../worker/dispatch/index.ts';
import { requestTrace } from '../../worker/observability/request-trace.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';

// Two pools that are full: each answers 503 queue_full (nothing started, so the dispatcher fails
// over at no cost) and records the traceparent it was sent.
const received: Array<{ pool: string; traceparent: string | undefined }> = [];
const servers: Server[] = [];
const urls: string[] = [];

beforeAll(async () => {
  for (const pool of ['full-1', 'full-2']) {
    const server = createServer((request, response) => {
      const header = request.headers.traceparent;
      received.push({ pool, traceparent: Array.isArray(header) ? header[0] : header });
      response.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      response.end(
        JSON.stringify({ error: { type: 'server_error', code: 'queue_full', message: 'full', param: null } }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    servers.push(server);
    urls.push(`http://127.0.0.1:${address.port}`);
  }
});
afterAll(async () => {
  for (const server of servers) await new Promise((closed) => server.close(closed));
});

describe('dispatch: every pool attempt carries the request’s trace under a span of its own', () => {
  it('dispatch: a failover sends both pools the client’s trace id with different span ids', async () => {
    const trace = requestTrace('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    const outcome = await dispatchWithFailover({
      candidates: ['full-1', 'full-2'].map((poolId, index) => ({
        poolId,
        providerId: `provider-${poolId}`,
        url: urls[index] ?? '',
        protocol: 'gpu-node',
      })),
      request: quickRequest,
      jobId: `trace-${crypto.randomUUID()}`,
      deadlineAt: Date.now() + 30_000,
      backendFor: () => createGpuNodeBackend(),
      tokenFor: async () => 'token',
      now: Date.now,
      traceparentFor: () => trace.childTraceparent(),
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts.map((attempt) => attempt.poolId)).toEqual(['full-1', 'full-2']);
    expect(received.map((call) => call.pool)).toEqual(['full-1', 'full-2']);
    const parsed = received.map((call) => parseTraceparent(call.traceparent));
    expect(parsed.map((context) => context?.traceId)).toEqual([trace.traceId, trace.traceId]);
    const spans = new Set(parsed.map((context) => context?.parentId));
    expect(spans.size).toBe(2);
    expect(spans.has(trace.spanId)).toBe(false);
    expect(parsed.every((context) => context?.flags === '01')).toBe(true);
  });
});
