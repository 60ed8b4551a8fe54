import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { signWebhook, webhookSecret } from './webhook-signature.ts';

describe('webhook signatures', () => {
  it('webhook secret: whsec_ + base64 of 32 bytes, stable per tenant and generation, different otherwise', async () => {
    const secret = await webhookSecret(env.EDGE_SIGNING_KEY, 'acme', 0);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(await webhookSecret(env.EDGE_SIGNING_KEY, 'acme', 0)).toBe(secret);
    expect(await webhookSecret(env.EDGE_SIGNING_KEY, 'beta', 0)).not.toBe(secret);
    const next = await webhookSecret(env.EDGE_SIGNING_KEY, 'acme', 1);
    expect(next).not.toBe(secret);
    expect(await webhookSecret(env.EDGE_SIGNING_KEY, 'acme', 2)).not.toBe(next);
  });

  it('webhook signature: v1, base64 HMAC-SHA256 of id.timestamp.body with the decoded secret', async () => {
    // Standard Webhooks test vector (standard-webhooks/standard-webhooks spec).
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const signature = await signWebhook(secret, {
      id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: 1614265330,
      body: '{"test": 2432232314}',
    });
    expect(signature).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });
});
