import { clientError } from './errors.ts';
import { parseJobResource } from './parse.ts';
import type { JobResource } from './types.ts';

/** A received webhook delivery. */
export interface WebhookDelivery {
  /** Your tenant's secret (`whsec_…`, from `client.webhookSecret()`). */
  secret: string;
  /** The request headers: a `Headers` or a plain object (Node's `IncomingHttpHeaders`). */
  headers: Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The raw body text, exactly as received (not re-serialised JSON). */
  body: string;
  /** Accepted clock difference in seconds, against replays (default 300). */
  toleranceSeconds?: number;
  /** Current time in ms (default `Date.now()`). */
  now?: number;
}

function header(headers: WebhookDelivery['headers'], name: string): string {
  if (headers instanceof Headers) return headers.get(name) ?? '';
  // Header names are case-insensitive; some frameworks keep the sender's case in plain objects.
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (character) => character.charCodeAt(0));
}

/**
 * Verifies a job webhook (Standard Webhooks: `webhook-signature` holds space-separated `v1,<base64
 * HMAC-SHA256 of "id.timestamp.body">`) and returns the job it carries. Uses WebCrypto, so it runs
 * in Node ≥ 18, Workers, Deno and Bun. Throws `invalid_webhook` if anything does not check out.
 * @example
 * const job = await verifyWebhook({ secret, headers: request.headers, body: await request.text() });
 * if (job.status === 'succeeded') console.log(job.result?.data[0]?.url);
 */
export async function verifyWebhook(delivery: WebhookDelivery): Promise<JobResource> {
  const refuse = (why: string) => clientError('invalid_webhook', `webhook refused: ${why}`);
  const id = header(delivery.headers, 'webhook-id');
  const timestamp = header(delivery.headers, 'webhook-timestamp');
  const now = (delivery.now ?? Date.now()) / 1000;
  if (!id || !/^\d+$/.test(timestamp)) throw refuse('missing webhook-id or webhook-timestamp');
  if (Math.abs(now - Number(timestamp)) > (delivery.toleranceSeconds ?? 300)) throw refuse('stale timestamp');
  if (!delivery.secret.startsWith('whsec_')) throw refuse('the secret must start with whsec_');
  const key = await crypto.subtle.importKey(
    'raw',
    fromBase64(delivery.secret.slice(6)),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  const signed = new TextEncoder().encode(`${id}.${timestamp}.${delivery.body}`);
  for (const candidate of header(delivery.headers, 'webhook-signature').split(' ')) {
    const [version, signature = ''] = candidate.split(',');
    if (version !== 'v1') continue;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = fromBase64(signature);
    } catch {
      continue;
    }
    // subtle.verify compares in constant time.
    if (await crypto.subtle.verify('HMAC', key, bytes, signed))
      return parseJobResource(JSON.parse(delivery.body));
  }
  throw refuse('no valid v1 signature');
}
