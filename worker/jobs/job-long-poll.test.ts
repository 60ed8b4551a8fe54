import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';

let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'long-poll');
});

function get(id: string, headers: Record<string, string> = {}) {
  return exports.default.fetch(`http://edge.test/v1/jobs/${id}`, {
    headers: { authorization: callers.apiKey, ...headers },
  });
}

describe('GET /v1/jobs/:id long-poll by version', () => {
  it('answers with an ETag; with If-None-Match, waits for the next state, and is 304 while there is none', async () => {
    // No pool serves this edge's model: the job leaves `queued` for `failed` (model_not_found)
    // once its dispatch runs, a change after the first read.
    const submitted = await exports.default.fetch('http://edge.test/v1/jobs', {
      method: 'POST',
      headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x', size: '64x64' }),
    });
    const { id } = (await submitted.json()) as { id: string };
    const first = await get(id);
    const held = first.headers.get('etag');
    expect(held).toMatch(/^"\d+"$/);
    const firstState = (await first.json()) as { status: string };

    const next = await get(id, { 'if-none-match': String(held), prefer: 'wait=30' });
    expect(next.status).toBe(200);
    const latest = next.headers.get('etag');
    expect(latest).not.toBe(held);
    expect(((await next.json()) as { status: string }).status).not.toBe(firstState.status);

    // Nothing newer: 304 at once without waiting, and (the job having ended) with it too.
    for (const prefer of [{}, { prefer: 'wait=1' }] as Record<string, string>[]) {
      const unchanged = await get(id, { 'if-none-match': String(latest), ...prefer });
      expect([unchanged.status, unchanged.headers.get('etag'), await unchanged.text()]).toEqual([
        304,
        latest,
        '',
      ]);
    }
    // A tag the edge never gave names no version: the job is answered whole.
    expect((await get(id, { 'if-none-match': '"stale-or-foreign"' })).status).toBe(200);
    // RFC 9110: the weak comparison, `*` (any current state) and lists match as well.
    for (const tags of [`W/${latest}`, '*', `${held}, ${latest}`, `"999", W/${latest}`]) {
      expect((await get(id, { 'if-none-match': tags })).status, tags).toBe(304);
    }
    expect((await get(id, { 'if-none-match': `${held}, "999"` })).status).toBe(200);
  });
});
