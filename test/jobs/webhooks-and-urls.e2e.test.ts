import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { errorEnvelopeSchema, type JobResource } from '../../shared/index.ts';
import { waitForTelemetry } from '../edge/edge-stack.ts';
import { asJob, jobsClient, quickJob, startJobStack, waitForJob } from './job-stack.ts';

/** Signed URLs live this long here (seconds), so expiry is observable. */
const URL_TTL_S = 2;
/** The edge's `WEBHOOK_RETRY_BASE_MS` here: delivery n+1 follows n within this times 2^n (full jitter). */
const WEBHOOK_RETRY_BASE_MS = 200;
/** After a retry's due time, time for the job object's alarm to fire and deliver. */
const ALARM_SLACK_MS = 500;

let stack: LocalStack;
let client: ReturnType<typeof jobsClient>;

beforeAll(async () => {
  ({ stack } = await startJobStack({
    RESULT_URL_TTL_S: String(URL_TTL_S),
    WEBHOOK_RETRY_BASE_MS: String(WEBHOOK_RETRY_BASE_MS),
  }));
  client = jobsClient(stack);
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

interface Delivery {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A webhook receiver on 127.0.0.1 that fails its first `failFirst` deliveries with 500. */
async function startReceiver(
  failFirst: number,
): Promise<{ url: string; deliveries: Delivery[]; server: Server }> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(deliveries.length <= failFirst ? 500 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/spillway?token=abc`, deliveries, server };
}

/** Standard Webhooks verification, written from the spec with node:crypto (not the edge's code). */
function verifyStandardWebhook(secret: string, delivery: Delivery, nowSeconds: number): boolean {
  const id = String(delivery.headers['webhook-id'] ?? '');
  const timestamp = String(delivery.headers['webhook-timestamp'] ?? '');
  const signatures = String(delivery.headers['webhook-signature'] ?? '').split(' ');
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`).digest();
  return signatures.some((candidate) => {
    const [version, value = ''] = candidate.split(',');
    const given = Buffer.from(value, 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('timed out');
}

describe('webhooks and signed result URLs end to end', () => {
  it('webhook: the terminal job is POSTed with a valid Standard Webhooks signature, and retried after a 500', async () => {
    const receiver = await startReceiver(1);
    try {
      const secretAnswer = await client.webhookSecret();
      expect(secretAnswer.status).toBe(200);
      const secret = String(secretAnswer.body.key);
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
      const job = asJob((await client.submit({ ...quickJob, webhook: receiver.url })).body);
      const [first, second] = await until(
        () => (receiver.deliveries.length >= 2 ? receiver.deliveries : undefined),
        30_000,
      );
      if (!first || !second) throw new Error('expected two deliveries');
      for (const delivery of [first, second]) {
        expect(delivery.headers['content-type']).toBe('application/json');
        expect(verifyStandardWebhook(secret, delivery, Date.now() / 1000)).toBe(true);
        // A tampered body or another secret does not verify.
        expect(
          verifyStandardWebhook(secret, { ...delivery, body: `${delivery.body} ` }, Date.now() / 1000),
        ).toBe(false);
        const wrong = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
        expect(verifyStandardWebhook(wrong, delivery, Date.now() / 1000)).toBe(false);
      }
      expect(second.headers['webhook-id']).toBe(first.headers['webhook-id']);
      const delivered: JobResource = asJob(JSON.parse(second.body));
      expect(delivered).toMatchObject({ id: job.id, status: 'succeeded' });
      // No third delivery after the 2xx: the whole window in which the retry schedule could
      // have placed one (worker/jobs/job-transitions.ts, full-jitter backoff) passes without it.
      const retryWindowMs = WEBHOOK_RETRY_BASE_MS * 2 ** receiver.deliveries.length + ALARM_SLACK_MS;
      await new Promise((resolve) => setTimeout(resolve, retryWindowMs));
      expect(receiver.deliveries).toHaveLength(2);
    } finally {
      receiver.server.close();
    }
  }, 60_000);

  it('sync url: response_format "url" answers signed URLs that serve the PNG', async () => {
    const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...quickJob, response_format: 'url' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ url?: string; b64_json?: string }> };
    const [image] = body.data;
    expect(image?.b64_json).toBeUndefined();
    expect(image?.url).toMatch(/\/v1\/results\/img_[A-Za-z0-9_-]+\/0\?expires=\d+&signature=[A-Za-z0-9_-]+$/);
    const served = await fetch(image?.url ?? '');
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/png']);
  });

  it('signed URL: tampering with id, index, expiry or signature is 403 invalid_signature', async () => {
    const job = await waitForJob(
      client,
      asJob((await client.submit(quickJob)).body).id,
      (seen) => seen.status === 'succeeded',
    );
    const url = new URL(job.result?.data[0]?.url ?? '');
    const variants = [
      // The first character, not the last: the last base64url character of a 32-byte MAC carries
      // 2 unused bits, so A-D there decode to the same bytes and the "tampered" URL is still valid.
      (target: URL) => {
        const signature = target.searchParams.get('signature') ?? '';
        target.searchParams.set('signature', `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`);
      },
      (target: URL) =>
        target.searchParams.set('expires', String(Number(target.searchParams.get('expires')) + 3600)),
      (target: URL) => {
        target.pathname = target.pathname.replace(/\/0$/, '/1');
      },
      (target: URL) => {
        target.pathname = target.pathname.replace(/job_[^/]+/, 'job_AAAAAAAAAAAAAAAAAAAAAAAAAA');
      },
      (target: URL) => target.searchParams.delete('signature'),
    ];
    for (const tamper of variants) {
      const target = new URL(url);
      tamper(target);
      const response = await fetch(target);
      expect(response.status).toBe(403);
      expect(errorEnvelopeSchema.parse(await response.json()).error.code).toBe('invalid_signature');
    }
    expect((await fetch(url)).status).toBe(200);
  });

  it('signed URL: an expired URL is 403 url_expired; fetching the job again gives a fresh one', async () => {
    const job = await waitForJob(
      client,
      asJob((await client.submit(quickJob)).body).id,
      (seen) => seen.status === 'succeeded',
    );
    const url = job.result?.data[0]?.url ?? '';
    expect((await fetch(url)).status).toBe(200);
    // The URL's own expiry (unix seconds), URL_TTL_S after it was signed; wait until it has passed.
    const expiresMs = Number(new URL(url).searchParams.get('expires')) * 1000;
    expect(expiresMs).toBeLessThanOrEqual(Date.now() + URL_TTL_S * 1000);
    await new Promise((resolve) => setTimeout(resolve, expiresMs - Date.now() + 1));
    const expired = await fetch(url);
    expect(expired.status).toBe(403);
    expect(errorEnvelopeSchema.parse(await expired.json()).error.code).toBe('url_expired');
    const fresh = asJob((await client.get(job.id)).body).result?.data[0]?.url ?? '';
    expect(fresh).not.toBe(url);
    expect((await fetch(fresh)).status).toBe(200);
  }, 30_000);
});
