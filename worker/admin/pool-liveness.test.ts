import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { sealCredential } from '../auth/credential-sealing.ts';
import { parseEdgeConfig } from '../config.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { providerInput } from '../testing/test-inputs.ts';
import { livenessCredential, livenessRefusal, livenessStatus } from './pool-url.ts';

/** A pool behind a key-checking proxy: `GET /v2/health/live` is 200 only with `Bearer sk-pool`. */
function keyCheckingPool(seen: Array<string | null>): typeof fetch {
  return async (input, init) => {
    const authorization = new Headers(init?.headers).get('authorization');
    seen.push(authorization);
    expect(String(input)).toBe('https://kserve.example.com/v2/health/live');
    return new Response(null, { status: authorization === 'Bearer sk-pool' ? 200 : 401 });
  };
}

describe('pool liveness check at registration', () => {
  it("liveness: the check carries the provider's credential, as the readiness probes do", async () => {
    const seen: Array<string | null> = [];
    expect(await livenessStatus('https://kserve.example.com/', 'sk-pool', keyCheckingPool(seen))).toBe(200);
    // No credential: no header at all (a server that needs no key).
    expect(await livenessStatus('https://kserve.example.com', '', keyCheckingPool(seen))).toBe(401);
    expect(seen).toEqual(['Bearer sk-pool', null]);
  });

  it('liveness: a refused credential is said to be one, not "the pool did not answer"', () => {
    expect(livenessRefusal(200)).toBeNull();
    for (const status of [401, 403]) {
      expect(livenessRefusal(status)).toMatchObject({
        code: 'pool_unreachable',
        param: 'url',
        message: expect.stringContaining("the pool refused the provider's credentials"),
      });
    }
    // Without a key to blame, the answer says the pool wants one.
    expect(livenessRefusal(403, false)?.message).toMatch(/answered 403 .* the provider has no API key/);
    expect(livenessRefusal(403, false)?.message).not.toContain('refused the provider');
    expect(livenessRefusal(null)?.message).toBe('the pool did not answer GET /v2/health/live');
    expect(livenessRefusal(500)?.message).toContain('answered 500');
  });

  it("liveness: the credential is the provider's own key, opened from its sealed copy; none for gpu-node", async () => {
    const config = parseEdgeConfig(env);
    const id = `kserve-${crypto.randomUUID().slice(0, 8)}`;
    const sealed = await sealCredential(config.credentialsKey, id, 'sk-pool');
    await fleetRegistryOf(env).putProvider({
      ...providerInput({ id, protocol: 'kserve', credentials_ref: null }),
      credentials_sealed: sealed,
    });
    const stored = await fleetRegistryOf(env).directory.storedProvider(id);
    if (stored === null) throw new Error('provider not stored');
    expect(await livenessCredential(env, config.credentialsKeys, stored)).toBe('sk-pool');
    expect(await livenessCredential(env, config.credentialsKeys, { ...stored, protocol: 'gpu-node' })).toBe(
      '',
    );
  });
});
