import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';
import { MAX_BODY_BYTES } from './read-json-body.ts';

let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'body-limit-tenant');
});

async function generate(body: BodyInit) {
  const response = await exports.default.fetch('http://edge.test/v1/images/generations', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, code: errorEnvelopeSchema.parse(await response.json()).error.code };
}

describe('request body limit', () => {
  // Three UTF-8 bytes per character: under the limit counted in characters, far over it in bytes.
  const multiByte = JSON.stringify({ prompt: 'a', user: '€'.repeat(Math.ceil(MAX_BODY_BYTES / 2)) });

  it('body limit: counts bytes, not characters (a declared length over the limit is 413)', async () => {
    expect(multiByte.length).toBeLessThan(MAX_BODY_BYTES);
    expect(new TextEncoder().encode(multiByte).byteLength).toBeGreaterThan(MAX_BODY_BYTES);
    expect(await generate(multiByte)).toEqual({ status: 413, code: 'payload_too_large' });
  });

  it('body limit: a streamed body without a declared length is cut off at the limit with 413', async () => {
    const bytes = new TextEncoder().encode(multiByte);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let offset = 0; offset < bytes.length; offset += 1024) {
          controller.enqueue(bytes.subarray(offset, offset + 1024));
        }
        controller.close();
      },
    });
    expect(await generate(stream)).toEqual({ status: 413, code: 'payload_too_large' });
  });
});
