import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { idempotentJobId } from './idempotent-job-id.ts';
import { signResultGrant, verifyResultGrant } from './result-url-signature.ts';

const grant = { resultId: 'job_abcdefghijklmnopqrstuvwxyz', index: 0, expires: 2_000_000_000 };

describe('result URL signatures', () => {
  it('result url: a signed grant verifies until it expires', async () => {
    const signature = await signResultGrant(env.EDGE_SIGNING_KEY, grant);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await verifyResultGrant(env.EDGE_SIGNING_KEY, grant, signature, 1_999_999_999)).toBeNull();
    expect(await verifyResultGrant(env.EDGE_SIGNING_KEY, grant, signature, 2_000_000_001)).toBe('expired');
  });

  it('result url: a changed id, index, expiry or signature is refused as a bad signature', async () => {
    const signature = await signResultGrant(env.EDGE_SIGNING_KEY, grant);
    const now = 1_900_000_000;
    const verify = (changed: typeof grant, mac = signature) =>
      verifyResultGrant(env.EDGE_SIGNING_KEY, changed, mac, now);
    expect(await verify({ ...grant, index: 1 })).toBe('bad_signature');
    expect(await verify({ ...grant, expires: grant.expires + 1 })).toBe('bad_signature');
    expect(await verify({ ...grant, resultId: 'job_abcdefghijklmnopqrstuvwxyZ' })).toBe('bad_signature');
    // A changed first character: the last one of a 32-byte MAC has 2 unused bits (A-D decode alike).
    expect(await verify(grant, `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`)).toBe(
      'bad_signature',
    );
    expect(await verify(grant, '***')).toBe('bad_signature');
    // Every other spelling of the last character, the two unused bits included, is refused too.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = signature.slice(-1);
    for (const other of alphabet.replace(last, '')) {
      expect([other, await verify(grant, `${signature.slice(0, -1)}${other}`)]).toEqual([
        other,
        'bad_signature',
      ]);
    }
  });

  it('idempotent job id: the same tenant and key give one id, another tenant another', async () => {
    const first = await idempotentJobId(env.EDGE_SIGNING_KEY, 'acme', 'order-42');
    expect(first).toMatch(/^job_[A-Za-z0-9_-]{26}$/);
    expect(await idempotentJobId(env.EDGE_SIGNING_KEY, 'acme', 'order-42')).toBe(first);
    expect(await idempotentJobId(env.EDGE_SIGNING_KEY, 'beta', 'order-42')).not.toBe(first);
    expect(await idempotentJobId(env.EDGE_SIGNING_KEY, 'acme', 'order-43')).not.toBe(first);
  });
});
