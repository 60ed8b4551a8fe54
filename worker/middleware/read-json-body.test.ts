import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';

let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'body-encodings');
});

function submit(body: BodyInit, headers: Record<string, string> = {}) {
  return exports.default.fetch('http://edge.test/v1/jobs', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json', ...headers },
    body,
  });
}

async function answer(response: Response) {
  const { error } = errorEnvelopeSchema.parse(await response.json());
  return {
    status: response.status,
    code: error.code,
    acceptEncoding: response.headers.get('accept-encoding'),
  };
}

const json = JSON.stringify({ prompt: 'café au lait', size: '64x64' });

describe('JSON bodies: encodings', () => {
  it('a compressed body is 415 with Accept-Encoding: identity, not a parse error', async () => {
    const gzipped = await new Response(
      new Blob([json]).stream().pipeThrough(new CompressionStream('gzip')),
    ).arrayBuffer();
    expect(await answer(await submit(gzipped, { 'content-encoding': 'gzip' }))).toEqual({
      status: 415,
      code: 'unsupported_media_type',
      acceptEncoding: 'identity',
    });
  });

  it('bytes that are not UTF-8 are refused, never mended into the prompt', async () => {
    // "café" in Latin-1: 0xE9 alone is not UTF-8.
    const latin1 = Uint8Array.from(
      [...json.replace('é', '\u0000')].map((c) => (c === '\u0000' ? 0xe9 : c.charCodeAt(0))),
    );
    expect(await answer(await submit(latin1))).toMatchObject({ status: 400, code: 'invalid_json' });
    expect(
      await answer(await submit(json, { 'content-type': 'application/json; charset=iso-8859-1' })),
    ).toMatchObject({ status: 415, code: 'unsupported_media_type' });
  });

  it('UTF-8 is read as sent, with or without a charset or a byte order mark', async () => {
    for (const [body, contentType] of [
      [json, 'application/json; charset=utf-8'],
      [`\uFEFF${json}`, 'application/json'],
    ] as const) {
      const accepted = await submit(body, { 'content-type': contentType });
      expect(accepted.status).toBe(202);
      await accepted.body?.cancel();
    }
  });
});
