import { describe, expect, it } from 'vitest';
import {
  createGpuNodeBackend,
  createKserveBackend,
  createOpenAiCompatibleBackend,
  type FetchFunction,
} from '../../backends/index.ts';
import { downloadPng, type OutputDownload } from '../../backends/provider-kit/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { testPng } from '../support/providers/provider-http.ts';
import { callsOn, failure } from './provider-fixtures.ts';

/** What the black-box tester's pool answered: the PNG signature, then a page that runs script. */
const FORGED = Buffer.from('\x89PNG\r\n\x1a\n<html><script>alert(document.domain)</script></html>', 'latin1');
/** The bytes of the IEND chunk, the last of every PNG file. */
const IEND_BYTES = 12;
/** A real PNG (pngjs) whose length is not whole base64 groups, so its base64 ends in `=`. */
const real = Buffer.from(testPng(64, 63, 7));
const padded = real.toString('base64');
/** The same PNG's base64 without its `=`: what some encoders send. */
const unpadded = padded.replace(/=+$/, '');
/** A real PNG cut before its end, as a pool that dies mid-write sends it. */
const truncated = real.subarray(0, real.length - IEND_BYTES);
const request = generationRequestSchema.parse({ prompt: 'a lighthouse at dusk', size: '64x64' });
const POOL = 'http://pool.test';
const call = callsOn(() => ({ poolUrl: POOL, request, deadlineMs: 20_000, token: 'test-token' }));

/** Real-looking answers that are not PNG files, by what they are. */
const notPngs = { 'the signature then HTML': FORGED, 'a truncated PNG': truncated };

/** A fetch that answers every request with `answer()`. */
const answering =
  (answer: () => Response): FetchFunction =>
  async () =>
    answer();

/** Expects the provider's failure: retryable, after the work started, never a result. */
async function expectRefused(pending: Promise<unknown>, code = 'upstream_failed') {
  const error = await failure(pending);
  expect([error.code, error.retryable, error.workStarted]).toEqual([code, true, true]);
  expect(error.message).toMatch(/not (a PNG|base64 PNGs)/);
}

describe('gpu-node: images that are not PNG files', () => {
  const generation = (b64: string) => ({ created: 1, data: [{ b64_json: b64, seed: 7 }] });
  const plain = (b64: string) =>
    createGpuNodeBackend({ fetch: answering(() => Response.json(generation(b64))) });
  const streamed = (b64: string) =>
    createGpuNodeBackend({
      fetch: answering(
        () =>
          new Response(`event: completed\ndata: ${JSON.stringify(generation(b64))}\n\n`, {
            headers: { 'content-type': 'text/event-stream' },
          }),
      ),
    });

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`gpu-node: ${what} in b64_json is the pool’s malformed answer, plain or streamed`, async () => {
      const b64 = bytes.toString('base64');
      await expectRefused(plain(b64).generate(call()));
      await expectRefused(streamed(b64).generate(call({ onProgress: () => undefined })));
    });
  }

  it('gpu-node: a real PNG passes, its base64 padded or not', async () => {
    expect(unpadded).not.toBe(padded);
    for (const b64 of [padded, unpadded]) {
      const result = await plain(b64).generate(call());
      expect(result.response.data).toEqual([{ b64_json: b64, seed: 7 }]);
      const events = await streamed(b64).generate(call({ onProgress: () => undefined }));
      expect(events.response.data).toEqual([{ b64_json: b64, seed: 7 }]);
    }
  });
});

describe('kserve: BYTES elements that are not PNG files', () => {
  const tensor = (b64: string) =>
    createKserveBackend({
      metricsUrl: () => null,
      fetch: answering(() =>
        Response.json({
          model_name: 'sd-turbo',
          outputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [b64] }],
        }),
      ),
    });
  const kserveCall = () => call({ upstream: { model: 'sd-turbo' } });

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`kserve: ${what} in the image tensor is a retryable upstream failure`, async () => {
      await expectRefused(tensor(bytes.toString('base64')).generate(kserveCall()));
    });
  }

  it('kserve: a real PNG element passes, its base64 padded or not', async () => {
    for (const b64 of [padded, unpadded]) {
      const result = await tensor(b64).generate(kserveCall());
      expect(result.response.data.map((image) => image.b64_json)).toEqual([b64]);
    }
  });
});

describe('openai-compatible: images that are not PNG files', () => {
  const CDN = 'https://cdn.test/1.png';
  const images = (image: Record<string, string>) => Response.json({ created: 1, data: [image] });
  /** A provider answering with `image`, and serving `file` at {@link CDN}. */
  const provider = (image: Record<string, string>, file: Uint8Array = real) =>
    createOpenAiCompatibleBackend({
      fetch: async (url) =>
        url === CDN ? new Response(file, { headers: { 'content-type': 'image/png' } }) : images(image),
    });

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`openai-compatible: ${what}, as b64_json or a download, is refused`, async () => {
      await expectRefused(provider({ b64_json: bytes.toString('base64') }).generate(call()));
      await expectRefused(provider({ url: CDN }, bytes).generate(call()), 'output_not_png');
    });
  }

  it('openai-compatible: a real PNG passes as b64_json (padded or not) and as a download', async () => {
    for (const [image, b64] of [
      [{ b64_json: padded }, padded],
      [{ b64_json: unpadded }, unpadded],
      [{ url: CDN }, padded],
    ] as const) {
      const result = await provider(image).generate(call());
      expect(result.response.data.map((answered) => answered.b64_json)).toEqual([b64]);
    }
  });
});

describe('downloads (Replicate, fal): outputs that are not PNG files', () => {
  const download = (file: Uint8Array): OutputDownload => ({
    provider: 'replicate',
    send: async () => new Response(file, { headers: { 'content-type': 'image/png' } }),
    poolUrl: POOL,
    credential: {},
    signal: new AbortController().signal,
    maxBytes: real.length * 2,
  });
  const dataUrl = (b64: string) => `data:image/png;base64,${b64}`;

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`downloads: ${what}, fetched or in a data URL, fails as output_not_png`, async () => {
      await expectRefused(downloadPng('https://cdn.test/1.png', download(bytes)), 'output_not_png');
      await expectRefused(downloadPng(dataUrl(bytes.toString('base64')), download(real)), 'output_not_png');
    });
  }

  it('downloads: a real PNG comes back as base64, fetched or in a data URL (padded or not)', async () => {
    expect(await downloadPng('https://cdn.test/1.png', download(real))).toBe(padded);
    for (const b64 of [padded, unpadded]) expect(await downloadPng(dataUrl(b64), download(FORGED))).toBe(b64);
  });
});
