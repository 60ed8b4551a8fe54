import { env } from 'cloudflare:workers';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { dispatchClaimsSchema, tokenTypes } from '../../shared/index.ts';
import { createDispatchSigner } from './dispatch-token.ts';
import { loadEdgeKeys } from './edge-keys.ts';

/** Exactly what gpu-node/security/edge-token-verifier.ts checks, with its start-pool.ts settings. */
async function verifyAsGpuNode(token: string, poolId: string) {
  const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
  const { payload } = await jwtVerify(token, createLocalJWKSet({ keys: [keys.publicJwk] }), {
    algorithms: ['ES256', 'EdDSA'],
    issuer: 'spillway-edge',
    audience: poolId,
    typ: tokenTypes.dispatch,
    clockTolerance: 5,
    maxTokenAge: 3600,
    requiredClaims: ['exp', 'iat', 'sub'],
  });
  return dispatchClaimsSchema.parse(payload);
}

describe('dispatch tokens', () => {
  it('verify on the pool with gpu-node checks: EdDSA, kid, typ, iss, aud = pool, sub, scope, 120 s', async () => {
    const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
    const token = await createDispatchSigner(keys)('pool-eu-1', 'acme');
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'EdDSA',
      typ: 'spillway-dispatch+jwt',
      kid: 'edge-test',
    });
    const claims = await verifyAsGpuNode(token, 'pool-eu-1');
    expect(claims).toMatchObject({ iss: 'spillway-edge', aud: 'pool-eu-1', sub: 'acme', scope: 'generate' });
    expect(claims.exp - claims.iat).toBe(120);
  });

  it('are refused by another pool', async () => {
    const token = await createDispatchSigner(await loadEdgeKeys(env.EDGE_SIGNING_KEY))('pool-eu-1', 'acme');
    await expect(verifyAsGpuNode(token, 'pool-us-1')).rejects.toThrow(/"aud"/);
  });

  it('are reused while more than 60 s remain, then renewed', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const sign = createDispatchSigner(await loadEdgeKeys(env.EDGE_SIGNING_KEY), () => now);
    const first = await sign('pool-eu-1', 'acme');
    now += 59_000;
    expect(await sign('pool-eu-1', 'acme')).toBe(first);
    now += 1_000;
    const renewed = await sign('pool-eu-1', 'acme');
    expect(renewed).not.toBe(first);
    expect(decodeJwt(renewed).iat).toBe(Math.floor(now / 1000));
    now += 1_000;
    expect(await sign('pool-eu-1', 'acme')).toBe(renewed);
  });

  it('are cached per pool and subject, and shared by concurrent requests', async () => {
    const sign = createDispatchSigner(await loadEdgeKeys(env.EDGE_SIGNING_KEY));
    const [a, b] = await Promise.all([sign('pool-eu-1', 'acme'), sign('pool-eu-1', 'acme')]);
    expect(a).toBe(b);
    expect(await sign('pool-eu-2', 'acme')).not.toBe(a);
    const other = await sign('pool-eu-1', 'globex');
    expect(other).not.toBe(a);
    expect(decodeJwt(other).sub).toBe('globex');
  });
});
