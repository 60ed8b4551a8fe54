import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendCall,
  createGpuNodeBackend,
  createOpenAiCompatibleBackend,
  type ImageBackend,
} from '../../backends/index.ts';
import {
  answerLimits,
  largestPngBytes,
  MAX_ANSWER_BYTES,
} from '../../backends/provider-kit/answer-limits.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { testPng } from '../support/providers/provider-http.ts';
import { type HostilePool, largeLength, startHostilePool, writeLarge } from './hostile-pool.ts';
import { failure } from './provider-fixtures.ts';

/** More than any limit here, and more than the sockets between client and server buffer. */
const HUGE_BYTES = 40 * 1024 * 1024;
/** base64 of the PNG signature: an image that starts as a PNG, padded out to any size. */
const PNG_PREFIX = 'iVBORw0KGgo';
const request = generationRequestSchema.parse({ prompt: 'a lighthouse at dusk', size: '64x64', seed: 7 });

const pools: HostilePool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

async function hostile(answer: Parameters<typeof startHostilePool>[0]): Promise<HostilePool> {
  const pool = await startHostilePool(answer);
  pools.push(pool);
  return pool;
}

function callOn(pool: HostilePool, overrides: Partial<BackendCall> = {}): BackendCall {
  return {
    poolUrl: pool.url,
    jobId: `test-${crypto.randomUUID()}`,
    request,
    deadlineMs: 20_000,
    token: 'test-token',
    ...overrides,
  };
}

/** A generation answer whose one image is a PNG signature and then `fillerBytes` of base64. */
function hugeAnswer(fillerBytes: number) {
  return {
    head: `{"created":1700000000,"data":[{"b64_json":"${PNG_PREFIX}`,
    filler: 'A',
    fillerBytes,
    tail: '","seed":7}]}',
  };
}

/** Answers 200 JSON with `parts`, declaring its length or not (chunked). */
function largeJson(parts: ReturnType<typeof hugeAnswer>, declared: boolean, status = 200) {
  return async (_request: unknown, response: ServerResponse) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      ...(declared ? { 'content-length': String(largeLength(parts)) } : {}),
    });
    await writeLarge(response, parts);
  };
}

/** Expects the pool's failure: retryable, work started, `upstream_failed` with the answer's status. */
async function expectPoolFault(pending: Promise<unknown>, status: number) {
  const error = await failure(pending);
  expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
    status,
    'upstream_failed',
    true,
    true,
  ]);
  return error;
}

describe('gpu-node answer limits', () => {
  const backend = createGpuNodeBackend();

  for (const declared of [true, false]) {
    it(`gpu-node: an answer larger than n images of its size can be is hung up on (${declared ? 'Content-Length' : 'chunked'})`, async () => {
      const pool = await hostile(largeJson(hugeAnswer(HUGE_BYTES), declared));
      const error = await expectPoolFault(backend.generate(callOn(pool)), 200);
      expect(error.message).toMatch(/over \d+ bytes/);
      expect(await pool.ends[0]).toBe('hung up');
    });
  }

  it('gpu-node: ten 1024 px images past what the edge takes in one answer fail the request, not the pool', async () => {
    const pool = await hostile(largeJson(hugeAnswer(HUGE_BYTES), true));
    const tenLarge = generationRequestSchema.parse({ prompt: 'noise', size: '1024x1024', n: 10 });
    expect(answerLimits(10, largestPngBytes('1024x1024') ?? 0).edgeCapped).toBe(true);
    const error = await failure(backend.generate(callOn(pool, { request: tenLarge })));
    // Any pool's answer would be as large: not retried elsewhere, no pool held to blame.
    expect([error.status, error.code, error.retryable, error.workStarted]).toEqual([
      200,
      'answer_too_large',
      false,
      true,
    ]);
    expect(await pool.ends[0]).toBe('hung up');
  });

  it('gpu-node: an error answer larger than an envelope is hung up on, still the pool’s failure', async () => {
    const pool = await hostile(largeJson(hugeAnswer(HUGE_BYTES), false, 502));
    await expectPoolFault(backend.generate(callOn(pool)), 502);
    expect(await pool.ends[0]).toBe('hung up');
  });

  it('gpu-node: an event stream that never settles is hung up on once it passes what an answer holds', async () => {
    const pool = await hostile(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeLarge(response, {
        head: 'event: queued\ndata: {"position":0}\n\n',
        filler: 'event: progress\ndata: {"step":1,"steps":4}\n\n',
        fillerBytes: Number.POSITIVE_INFINITY,
        tail: '',
      });
    });
    let progress = 0;
    const started = Date.now();
    await expectPoolFault(backend.generate(callOn(pool, { onProgress: () => progress++ })), 200);
    expect(progress).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await pool.ends[0]).toBe('hung up');
  });

  it('gpu-node: an event that never ends is hung up on once it passes what an answer holds', async () => {
    const pool = await hostile(async (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      await writeLarge(response, {
        head: `event: completed\ndata: {"created":1,"data":[{"b64_json":"${PNG_PREFIX}`,
        filler: 'A',
        fillerBytes: HUGE_BYTES,
        tail: '"}]}\n\n',
      });
    });
    await expectPoolFault(backend.generate(callOn(pool, { onProgress: () => undefined })), 200);
    expect(await pool.ends[0]).toBe('hung up');
  });

  it('gpu-node: an image that is not a PNG (an HTML page in b64_json) is the pool’s malformed answer', async () => {
    const html = Buffer.from('<html><body>502 Bad Gateway</body></html>').toString('base64');
    const answer = { created: 1, data: [{ b64_json: html, seed: 7 }] };
    const pool = await hostile((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    });
    const error = await expectPoolFault(backend.generate(callOn(pool)), 200);
    expect(error.message).toContain('not a PNG');
    const streamed = await hostile((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'text/event-stream' })
        .end(`event: completed\ndata: ${JSON.stringify(answer)}\n\n`);
    });
    await expectPoolFault(backend.generate(callOn(streamed, { onProgress: () => undefined })), 200);
  });

  it("gpu-node: `created` is the edge's clock, not the pool's", async () => {
    const png = Buffer.from(testPng(64, 64, 7)).toString('base64');
    const pool = await hostile((_request, response) => {
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ created: 1, data: [{ b64_json: png, seed: 7 }] }));
    });
    const clocked = createGpuNodeBackend({ now: () => 1_750_000_000_500 });
    const result = await clocked.generate(callOn(pool));
    expect(result.response.created).toBe(1_750_000_000);
    expect(result.response.data).toEqual([{ b64_json: png, seed: 7 }]);
  });
});

describe('openai-compatible answer limits', () => {
  const backend: ImageBackend = createOpenAiCompatibleBackend();

  for (const declared of [true, false]) {
    it(`openai-compatible: an Images answer over what one answer may hold is hung up on (${declared ? 'Content-Length' : 'chunked'})`, async () => {
      const pool = await hostile(largeJson(hugeAnswer(HUGE_BYTES), declared));
      await expectPoolFault(backend.generate(callOn(pool)), 200);
      expect(await pool.ends[0]).toBe('hung up');
    });
  }

  it('openai-compatible: an image download over its limit is hung up on, not read whole first', async () => {
    const image = { head: '\x89PNG\r\n\x1a\n', filler: 'A', fillerBytes: HUGE_BYTES, tail: '' };
    const pool = await hostile(async (incoming, response) => {
      if (incoming.url?.startsWith('/files/')) {
        response.writeHead(200, { 'content-type': 'image/png' });
        await writeLarge(response, image);
        return;
      }
      const url = `http://${incoming.headers.host}/files/1.png`;
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ created: 1, data: [{ url }] }));
    });
    const error = await failure(backend.generate(callOn(pool)));
    expect([error.code, error.retryable, error.workStarted]).toEqual(['upstream_failed', true, true]);
    expect(error.message).toMatch(/over \d+ bytes/);
    expect(await pool.ends[1]).toBe('hung up');
  });
});

describe('answer limits', () => {
  it('limits: n images of a size as base64 PNGs at their largest, plus room for the JSON around them', () => {
    const largest = largestPngBytes('1024x1024') ?? 0;
    // 8-bit RGBA with a filter byte per row, stored uncompressed: never less than that.
    expect(largest).toBeGreaterThan(1024 * (1 + 1024 * 4));
    const one = answerLimits(1, largest);
    expect(one.imageBytes).toBe(largest);
    expect(one.answerBytes).toBeGreaterThan((largest * 4) / 3);
    expect(answerLimits(2, largest).answerBytes).toBeGreaterThan(2 * ((largest * 4) / 3));
    expect(largestPngBytes(undefined)).toBeNull();
  });

  it('limits: however many and however large the images, one answer stays within the isolate’s share', () => {
    for (const images of [1, 3, 10]) {
      const limits = answerLimits(images, Number.MAX_SAFE_INTEGER);
      expect(limits.answerBytes).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
      expect((images * limits.imageBytes * 4) / 3).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    }
  });
});
