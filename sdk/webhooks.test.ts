import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jobResourceSchema } from '../shared/index.ts';
import { verifyWebhook } from './index.ts';

const secretBytes = randomBytes(32);
const secret = `whsec_${secretBytes.toString('base64')}`;
const now = 1_800_000_000_000;
const job = jobResourceSchema.parse({
  id: 'job_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  object: 'spillway.job',
  status: 'succeeded',
  created_at: 1,
  updated_at: 2,
  model: 'spillway-tiny',
  queue_position: null,
  estimated_start_at: null,
  progress: null,
  result: {
    created: 2,
    data: [{ url: 'https://edge.example/v1/results/x/0?expires=1&signature=s' }],
    warnings: [],
  },
  error: null,
  pool_id: 'pool-a',
  attempts: 1,
  status_url: '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa',
  events_url: '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa/events',
  cancel_url: '/v1/jobs/job_aaaaaaaaaaaaaaaaaaaaaaaaaa',
});
const body = JSON.stringify(job);

/** Signs like the Standard Webhooks spec says, with Node's own HMAC (not the SDK's code path). */
function sign(id: string, timestamp: number, text: string, key = secretBytes): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${text}`).digest('base64')}`;
}

const headersFor = (signature: string, timestamp = now / 1000) => ({
  'webhook-id': 'msg_1',
  'webhook-timestamp': String(timestamp),
  'webhook-signature': signature,
});

describe('verifyWebhook', () => {
  it('accepts a correctly signed delivery (plain or Headers object) and returns its job', async () => {
    const headers = headersFor(sign('msg_1', now / 1000, body));
    await expect(verifyWebhook({ secret, headers, body, now })).resolves.toEqual(job);
    await expect(verifyWebhook({ secret, headers: new Headers(headers), body, now })).resolves.toEqual(job);
    // Frameworks that keep the sender's header case in a plain object: names are case-insensitive.
    const capitalised = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [
        name.replace(/(^|-)[a-z]/g, (start) => start.toUpperCase()),
        value,
      ]),
    );
    expect(Object.keys(capitalised)).toContain('Webhook-Id');
    await expect(verifyWebhook({ secret, headers: capitalised, body, now })).resolves.toEqual(job);
  });

  it('accepts a delivery whose header lists several signatures when one of them is valid (key rotation)', async () => {
    const other = sign('msg_1', now / 1000, body, randomBytes(32));
    const headers = headersFor(`v2,abc ${other} ${sign('msg_1', now / 1000, body)}`);
    await expect(verifyWebhook({ secret, headers, body, now })).resolves.toEqual(job);
  });

  it('refuses any change to the body, id or timestamp, another secret, and stale or missing headers', async () => {
    const good = sign('msg_1', now / 1000, body);
    const refusals = [
      { headers: headersFor(good), body: body.replace('succeeded', 'failed') },
      { headers: { ...headersFor(good), 'webhook-id': 'msg_2' } },
      { headers: headersFor(good, now / 1000 + 1) },
      { headers: headersFor(sign('msg_1', now / 1000, body, randomBytes(32))) },
      { headers: headersFor(sign('msg_1', now / 1000 - 3_600, body), now / 1000 - 3_600) },
      { headers: { 'webhook-signature': good } },
      { headers: headersFor('v1,not base64!') },
    ];
    for (const refusal of refusals) {
      await expect(verifyWebhook({ secret, body, now, ...refusal })).rejects.toMatchObject({
        code: 'invalid_webhook',
      });
    }
  });

  it('refuses every single-character change of the signed body', async () => {
    const headers = headersFor(sign('msg_1', now / 1000, body));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: body.length - 1 }),
        fc.string({ minLength: 1, maxLength: 1 }),
        async (index, replacement) => {
          fc.pre(body[index] !== replacement);
          const changed = `${body.slice(0, index)}${replacement}${body.slice(index + 1)}`;
          await expect(verifyWebhook({ secret, headers, body: changed, now })).rejects.toMatchObject({
            code: 'invalid_webhook',
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});
