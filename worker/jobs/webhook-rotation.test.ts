import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../sdk/webhooks.ts';
import { webhookSecretSchema } from '../../shared/index.ts';
import { tenantDirectoryOf } from '../tenants/tenant-directory-stub.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';
import { webhookSignatureHeader } from './webhook-delivery.ts';

let callers: TenantCallers;

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'rotating-tenant');
});

async function call(path: string, init: RequestInit = {}) {
  const response = await exports.default.fetch(`http://edge.test${path}`, {
    ...init,
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
  });
  expect(response.status).toBe(200);
  return webhookSecretSchema.parse(await response.json());
}

/** A job body signed the way deliveries are, for the tenant's secrets valid now. */
async function signedDelivery(now: number) {
  const generations = await tenantDirectoryOf(env).webhookGenerations(callers.tenantId, now);
  const seconds = Math.floor(now / 1000);
  const body = JSON.stringify({
    id: 'job_rotationrotationrot',
    object: 'spillway.job',
    status: 'canceled',
    created_at: seconds,
    updated_at: seconds,
    model: 'spillway-tiny',
    queue_position: null,
    estimated_start_at: null,
    progress: null,
    result: null,
    error: null,
    pool_id: null,
    attempts: 0,
    status_url: 'https://edge.test/v1/jobs/job_rotationrotationrot',
    events_url: 'https://edge.test/v1/jobs/job_rotationrotationrot/events',
    cancel_url: 'https://edge.test/v1/jobs/job_rotationrotationrot',
  });
  const input = { id: 'msg_job_rotation', timestamp: seconds, body };
  const signature = await webhookSignatureHeader(env.EDGE_SIGNING_KEY, callers.tenantId, generations, input);
  return {
    headers: {
      'webhook-id': input.id,
      'webhook-timestamp': String(input.timestamp),
      'webhook-signature': signature,
    },
    body,
    now,
  };
}

async function accepts(secret: string, delivery: Awaited<ReturnType<typeof signedDelivery>>) {
  try {
    await verifyWebhook({ secret, ...delivery });
    return true;
  } catch {
    return false;
  }
}

describe('webhook secret rotation', () => {
  it('rotation: a new secret at once; the old one verifies deliveries until the overlap ends, then not', async () => {
    const before = await call('/v1/webhooks/secret');
    expect(before.previous_keys).toEqual([]);
    const rotated = await call('/v1/webhooks/secret/rotate', {
      method: 'POST',
      body: JSON.stringify({ overlap_seconds: 60 }),
    });
    expect(rotated.key).not.toBe(before.key);
    expect(rotated.previous_keys.map((entry) => entry.key)).toEqual([before.key]);
    expect(await call('/v1/webhooks/secret')).toEqual(rotated);

    const duringOverlap = await signedDelivery(Date.now());
    expect(duringOverlap.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(await accepts(rotated.key, duringOverlap)).toBe(true);
    expect(await accepts(before.key, duringOverlap)).toBe(true);

    const afterOverlap = await signedDelivery(Date.now() + 61_000);
    expect(afterOverlap.headers['webhook-signature'].split(' ')).toHaveLength(1);
    expect(await accepts(rotated.key, afterOverlap)).toBe(true);
    expect(await accepts(before.key, afterOverlap)).toBe(false);
  });

  it('rotation: an overlap outside 0..7 days is refused in the envelope, naming the field', async () => {
    const response = await exports.default.fetch('http://edge.test/v1/webhooks/secret/rotate', {
      method: 'POST',
      headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ overlap_seconds: 8 * 24 * 3600 }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { code: 'invalid_request', param: 'overlap_seconds' },
    });
  });

  it('rotation: a POST with an empty body (with or without a JSON content type) rotates with the default overlap; a wrong body type is still 415', async () => {
    const before = await call('/v1/webhooks/secret');
    const bare = await exports.default.fetch('http://edge.test/v1/webhooks/secret/rotate', {
      method: 'POST',
      headers: { authorization: callers.apiKey },
    });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as { key: string }).key).not.toBe(before.key);
    const emptyJson = await exports.default.fetch('http://edge.test/v1/webhooks/secret/rotate', {
      method: 'POST',
      headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    });
    expect(emptyJson.status).toBe(200);
    const text = await exports.default.fetch('http://edge.test/v1/webhooks/secret/rotate', {
      method: 'POST',
      headers: { authorization: callers.apiKey, 'content-type': 'text/plain' },
      body: 'rotate please',
    });
    expect(text.status).toBe(415);
  });
});
