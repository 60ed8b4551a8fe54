import { env, exports } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { signResultGrant } from '../auth/result-url-signature.ts';
import { resultKey } from './result-store.ts';

const worker = exports.default;

async function signedUrl(resultId: string, index: number, expires: number): Promise<string> {
  const signature = await signResultGrant(env.EDGE_SIGNING_KEY, { resultId, index, expires });
  return `http://edge.test/v1/results/${resultId}/${index}?expires=${expires}&signature=${signature}`;
}

async function code(response: Response): Promise<[number, string]> {
  return [response.status, errorEnvelopeSchema.parse(await response.json()).error.code];
}

describe('results route', () => {
  it('results: a signed URL serves the stored PNG without credentials', async () => {
    const id = `img_${crypto.randomUUID().replaceAll('-', '')}`;
    const png = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    await env.RESULTS.put(resultKey(id, 0), png, {
      customMetadata: { expires_at: String(Date.now() + 60_000) },
    });
    const response = await worker.fetch(await signedUrl(id, 0, Math.floor(Date.now() / 1000) + 60));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    // Without an Origin too: every answer names its request for support and logs.
    expect(response.headers.get('x-request-id')).toMatch(/^[\w=-]+$/);
    // And allows any origin: a browser that cached this answer for an <img> (no Origin sent)
    // hands it to the page's later CORS fetch of the same URL.
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(png);
  });

  it('results: malformed, unsigned or tampered URLs are 403 invalid_signature, expired ones 403 url_expired', async () => {
    const id = `img_${crypto.randomUUID().replaceAll('-', '')}`;
    const future = Math.floor(Date.now() / 1000) + 60;
    const good = new URL(await signedUrl(id, 0, future));
    const unsigned = new URL(good);
    unsigned.searchParams.delete('signature');
    const otherIndex = new URL(good.toString().replace(`/${id}/0?`, `/${id}/1?`));
    for (const url of [
      unsigned,
      otherIndex,
      new URL('http://edge.test/v1/results/nope/0?expires=1&signature=x'),
    ]) {
      expect(await code(await worker.fetch(url))).toEqual([403, 'invalid_signature']);
    }
    const past = await signedUrl(id, 0, Math.floor(Date.now() / 1000) - 1);
    expect(await code(await worker.fetch(past))).toEqual([403, 'url_expired']);
  });

  it('results: a browser revalidating with If-None-Match gets 304; another spelling of the URL is refused', async () => {
    const id = `img_${crypto.randomUUID().replaceAll('-', '')}`;
    await env.RESULTS.put(resultKey(id, 0), new Uint8Array([137, 80, 78, 71]), {
      customMetadata: { expires_at: String(Date.now() + 60_000) },
    });
    const expires = Math.floor(Date.now() / 1000) + 60;
    const url = await signedUrl(id, 0, expires);
    const first = await worker.fetch(url);
    const etag = first.headers.get('etag');
    await first.body?.cancel();
    expect(etag).toMatch(/^"/);
    const revalidated = await worker.fetch(url, { headers: { 'if-none-match': String(etag) } });
    expect([revalidated.status, revalidated.headers.get('etag'), await revalidated.text()]).toEqual([
      304,
      etag,
      '',
    ]);
    expect(revalidated.headers.get('x-request-id')).not.toBeNull();
    const changed = await worker.fetch(url, { headers: { 'if-none-match': '"another"' } });
    expect(changed.status).toBe(200);
    await changed.body?.cancel();
    // The same grant spelt another way: padding on the signature, a leading zero on expires.
    const padded = url.replace(/signature=([^&]+)/, 'signature=$1=');
    const zeroed = url.replace(`expires=${expires}`, `expires=0${expires}`);
    for (const variant of [padded, zeroed]) {
      expect(await code(await worker.fetch(variant))).toEqual([403, 'invalid_signature']);
    }
  });

  it('results: a validly signed URL for an image that is gone or past retention is 404 not_found', async () => {
    const id = `img_${crypto.randomUUID().replaceAll('-', '')}`;
    const future = Math.floor(Date.now() / 1000) + 60;
    expect(await code(await worker.fetch(await signedUrl(id, 0, future)))).toEqual([404, 'not_found']);
    await env.RESULTS.put(resultKey(id, 0), new Uint8Array([1]), {
      customMetadata: { expires_at: String(Date.now() - 1) },
    });
    expect(await code(await worker.fetch(await signedUrl(id, 0, future)))).toEqual([404, 'not_found']);
  });

  it('jobs: job routes need a tenant credential', async () => {
    for (const [method, path] of [
      ['POST', '/v1/jobs'],
      ['GET', '/v1/jobs/job_AAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['GET', '/v1/jobs/job_AAAAAAAAAAAAAAAAAAAAAAAAAA/events'],
      ['DELETE', '/v1/jobs/job_AAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['GET', '/v1/webhooks/secret'],
    ] as const) {
      const response = await worker.fetch(`http://edge.test${path}`, { method });
      expect(await code(response)).toEqual([401, 'missing_credentials']);
    }
  });
});
