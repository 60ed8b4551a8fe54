import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendCall,
  createGpuNodeBackend,
  createKserveBackend,
  createOpenAiCompatibleBackend,
} from '../../backends/index.ts';
import { downloadPng, type OutputDownload } from '../../backends/provider-kit/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { testPng } from '../support/providers/provider-http.ts';
import { type HostilePool, startHostilePool } from './hostile-pool.ts';
import { failure } from './provider-fixtures.ts';

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

/** Real-looking answers that are not PNG files, by what they are. */
const notPngs = { 'the signature then HTML': FORGED, 'a truncated PNG': truncated };

/** One HTTP answer: its content type and body. */
interface Answer {
  readonly type: string;
  readonly body: string | Uint8Array;
}
const json = (value: unknown): Answer => ({ type: 'application/json', body: JSON.stringify(value) });
const png = (bytes: Uint8Array): Answer => ({ type: 'image/png', body: bytes });

const servers: HostilePool[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Starts a server on 127.0.0.1 answering every request 200 with `answer`; closed after the test. */
async function serving(answer: Answer): Promise<string> {
  const server = await startHostilePool((_request, response) => {
    response.writeHead(200, { 'content-type': answer.type });
    response.end(answer.body);
  });
  servers.push(server);
  return server.url;
}

/** A call to the pool at `poolUrl`, with a fresh job id. */
function call(poolUrl: string, overrides: Partial<BackendCall> = {}): BackendCall {
  return {
    poolUrl,
    jobId: `test-${crypto.randomUUID()}`,
    request,
    deadlineMs: 20_000,
    token: 'test-token',
    ...overrides,
  };
}

/** Expects the provider's failure: retryable, after the work started, never a result. */
async function expectRefused(pending: Promise<unknown>, code = 'upstream_failed') {
  const error = await failure(pending);
  expect([error.code, error.retryable, error.workStarted]).toEqual([code, true, true]);
  expect(error.message).toMatch(/not (a PNG|base64 PNGs)/);
}

describe('gpu-node: images that are not PNG files', () => {
  const backend = createGpuNodeBackend({});
  const generation = (b64: string) => ({ created: 1, data: [{ b64_json: b64, seed: 7 }] });
  /** A generation from a pool answering `b64` as JSON. */
  const plain = async (b64: string) => backend.generate(call(await serving(json(generation(b64)))));
  /** A generation from a pool answering `b64` as the event stream's `completed` event. */
  const streamed = async (b64: string) => {
    const pool = await serving({
      type: 'text/event-stream',
      body: `event: completed\ndata: ${JSON.stringify(generation(b64))}\n\n`,
    });
    return backend.generate(call(pool, { onProgress: () => undefined }));
  };

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`gpu-node: ${what} in b64_json is the pool’s malformed answer, plain or streamed`, async () => {
      const b64 = bytes.toString('base64');
      await expectRefused(plain(b64));
      await expectRefused(streamed(b64));
    });
  }

  it('gpu-node: a real PNG passes, its base64 padded or not', async () => {
    expect(unpadded).not.toBe(padded);
    for (const b64 of [padded, unpadded]) {
      const result = await plain(b64);
      expect(result.response.data).toEqual([{ b64_json: b64, seed: 7 }]);
      const events = await streamed(b64);
      expect(events.response.data).toEqual([{ b64_json: b64, seed: 7 }]);
    }
  });
});

describe('kserve: BYTES elements that are not PNG files', () => {
  const backend = createKserveBackend({ metricsUrl: () => null });
  /** A generation from a server whose image tensor holds `b64`. */
  const tensor = async (b64: string) => {
    const server = await serving(
      json({
        model_name: 'sd-turbo',
        outputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [b64] }],
      }),
    );
    return backend.generate(call(server, { upstream: { model: 'sd-turbo' } }));
  };

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`kserve: ${what} in the image tensor is a retryable upstream failure`, async () => {
      await expectRefused(tensor(bytes.toString('base64')));
    });
  }

  it('kserve: a real PNG element passes, its base64 padded or not', async () => {
    for (const b64 of [padded, unpadded]) {
      const result = await tensor(b64);
      expect(result.response.data.map((image) => image.b64_json)).toEqual([b64]);
    }
  });
});

describe('openai-compatible: images that are not PNG files', () => {
  const backend = createOpenAiCompatibleBackend({});
  /** A generation from a server answering `image`. */
  const generate = async (image: Record<string, string>) =>
    backend.generate(call(await serving(json({ created: 1, data: [image] }))));
  /** A generation whose image is a URL on another server (a CDN), which serves `file`. */
  const generateByUrl = async (file: Uint8Array) => generate({ url: `${await serving(png(file))}/1.png` });

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`openai-compatible: ${what}, as b64_json or a download, is refused`, async () => {
      await expectRefused(generate({ b64_json: bytes.toString('base64') }));
      await expectRefused(generateByUrl(bytes), 'output_not_png');
    });
  }

  it('openai-compatible: a real PNG passes as b64_json (padded or not) and as a download', async () => {
    for (const [generation, b64] of [
      [() => generate({ b64_json: padded }), padded],
      [() => generate({ b64_json: unpadded }), unpadded],
      [() => generateByUrl(real), padded],
    ] as const) {
      const result = await generation();
      expect(result.response.data.map((answered) => answered.b64_json)).toEqual([b64]);
    }
  });
});

describe('downloads (Replicate, fal): outputs that are not PNG files', () => {
  /** How to download from a server (a CDN) that serves `file` as image/png; its URL is `cdn`. */
  const download = async (file: Uint8Array) => {
    const cdn = await serving(png(file));
    const how: OutputDownload = {
      provider: 'replicate',
      send: (url, init) => fetch(url, init),
      poolUrl: cdn,
      credential: {},
      signal: new AbortController().signal,
      maxBytes: real.length * 2,
    };
    return { file: `${cdn}/1.png`, how };
  };
  const dataUrl = (b64: string) => `data:image/png;base64,${b64}`;

  for (const [what, bytes] of Object.entries(notPngs)) {
    it(`downloads: ${what}, fetched or in a data URL, fails as output_not_png`, async () => {
      const fetched = await download(bytes);
      await expectRefused(downloadPng(fetched.file, fetched.how), 'output_not_png');
      const { how } = await download(real);
      await expectRefused(downloadPng(dataUrl(bytes.toString('base64')), how), 'output_not_png');
    });
  }

  it('downloads: a real PNG comes back as base64, fetched or in a data URL (padded or not)', async () => {
    const fetched = await download(real);
    expect(await downloadPng(fetched.file, fetched.how)).toBe(padded);
    const { how } = await download(FORGED);
    for (const b64 of [padded, unpadded]) expect(await downloadPng(dataUrl(b64), how)).toBe(b64);
  });
});
