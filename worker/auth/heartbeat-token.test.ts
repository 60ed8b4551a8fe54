import { type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { tokenTypes } from '../../shared/index.ts';
import { craftToken, nowSeconds, sampleTelemetry } from '../testing/test-tokens.ts';
import { verifyHeartbeat } from './heartbeat-token.ts';

interface PoolKey {
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
  readonly alg: 'EdDSA' | 'ES256';
}

async function poolKey(alg: 'EdDSA' | 'ES256'): Promise<PoolKey> {
  const pair = await generateKeyPair(alg, { extractable: true });
  return { privateKey: pair.privateKey, publicJwk: await exportJWK(pair.publicKey), alg };
}

let poolA: PoolKey;
let poolB: PoolKey;
let poolP256: PoolKey;
beforeAll(async () => {
  [poolA, poolB, poolP256] = await Promise.all([poolKey('EdDSA'), poolKey('EdDSA'), poolKey('ES256')]);
});

interface HeartbeatOptions {
  readonly iss?: string;
  readonly sub?: string;
  readonly telemetryPool?: string;
  readonly typ?: string;
  readonly aud?: string;
  readonly iat?: number;
  readonly exp?: number;
  readonly padding?: string;
  /** The report's own `timestamp`, epoch ms. */
  readonly reportedAt?: number;
}

function heartbeat(signer: PoolKey, poolId: string, options: HeartbeatOptions = {}): Promise<string> {
  const iat = options.iat ?? nowSeconds();
  return new SignJWT({
    telemetry: {
      ...sampleTelemetry(options.telemetryPool ?? poolId),
      ...(options.reportedAt === undefined ? {} : { timestamp: options.reportedAt }),
    },
    padding: options.padding,
  })
    .setProtectedHeader({ alg: signer.alg, typ: options.typ ?? tokenTypes.heartbeat })
    .setIssuer(options.iss ?? poolId)
    .setSubject(options.sub ?? poolId)
    .setAudience(options.aud ?? 'spillway-edge')
    .setIssuedAt(iat)
    .setExpirationTime(options.exp ?? iat + 30)
    .sign(signer.privateKey);
}

describe('verifyHeartbeat', () => {
  it('accepts a heartbeat pool A signed with its Ed25519 key, and a P-256 pool with ES256', async () => {
    const result = await verifyHeartbeat(await heartbeat(poolA, 'pool-a'), 'pool-a', poolA.publicJwk);
    if (!result.ok) throw new Error(`refused: ${result.reason}`);
    expect(result.claims).toMatchObject({ iss: 'pool-a', sub: 'pool-a', telemetry: { pool_id: 'pool-a' } });
    const p256 = await verifyHeartbeat(await heartbeat(poolP256, 'pool-c'), 'pool-c', poolP256.publicJwk);
    expect(p256.ok).toBe(true);
  });

  it('refuses a token for pool B checked as pool A, even with a valid key', async () => {
    const forB = await heartbeat(poolA, 'pool-b');
    expect(await verifyHeartbeat(forB, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'wrong_issuer',
    });
    const subB = await heartbeat(poolA, 'pool-a', { sub: 'pool-b' });
    expect(await verifyHeartbeat(subB, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'wrong_subject',
    });
    const reportB = await heartbeat(poolA, 'pool-a', { telemetryPool: 'pool-b' });
    expect(await verifyHeartbeat(reportB, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'pool_mismatch',
    });
  });

  it("refuses pool B's key claiming to be pool A", async () => {
    const forged = await heartbeat(poolB, 'pool-a');
    expect(await verifyHeartbeat(forged, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('pins the algorithm to the key: an ES256 token is refused for an Ed25519 pool', async () => {
    const token = await heartbeat(poolP256, 'pool-a');
    const result = await verifyHeartbeat(token, 'pool-a', poolA.publicJwk);
    expect(result).toEqual({ ok: false, reason: 'algorithm_not_allowed' });
    const unsigned = craftToken({ alg: 'none', typ: tokenTypes.heartbeat }, { iss: 'pool-a' });
    expect(await verifyHeartbeat(unsigned, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'algorithm_not_allowed',
    });
  });

  it('refuses another typ and another audience', async () => {
    const typed = await heartbeat(poolA, 'pool-a', { typ: tokenTypes.dispatch });
    expect(await verifyHeartbeat(typed, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'wrong_type',
    });
    const aimed = await heartbeat(poolA, 'pool-a', { aud: 'spillway-admin' });
    expect(await verifyHeartbeat(aimed, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'wrong_audience',
    });
  });

  it('refuses an expired heartbeat and one issued more than 60 s ago', async () => {
    const now = nowSeconds();
    const expired = await heartbeat(poolA, 'pool-a', { iat: now - 40, exp: now - 10 });
    expect(await verifyHeartbeat(expired, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'expired',
    });
    const stale = await heartbeat(poolA, 'pool-a', { iat: now - 120, exp: now + 60 });
    expect(await verifyHeartbeat(stale, 'pool-a', poolA.publicJwk)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuses a report dated past the clock tolerance: one dated years ahead made every later report look stale', async () => {
    const ahead = await heartbeat(poolA, 'pool-a', { reportedAt: Date.now() + 10 * 365 * 86_400_000 });
    expect(await verifyHeartbeat(ahead, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'future_report',
    });
    const skewed = await heartbeat(poolA, 'pool-a', { reportedAt: Date.now() + 3_000 });
    expect((await verifyHeartbeat(skewed, 'pool-a', poolA.publicJwk)).ok).toBe(true);
  });

  it('refuses a token over 16 KiB before parsing it', async () => {
    const token = await heartbeat(poolA, 'pool-a', { padding: 'x'.repeat(16 * 1024) });
    expect(await verifyHeartbeat(token, 'pool-a', poolA.publicJwk)).toEqual({
      ok: false,
      reason: 'oversized',
    });
  });

  it('refuses a registered key that is private, of another type, or declares another alg', async () => {
    const token = await heartbeat(poolA, 'pool-a');
    const privateJwk = await exportJWK(poolA.privateKey);
    for (const key of [privateJwk, { kty: 'oct', k: 'c2VjcmV0' }, { ...poolA.publicJwk, alg: 'ES256' }]) {
      expect(await verifyHeartbeat(token, 'pool-a', key)).toEqual({ ok: false, reason: 'unsupported_key' });
    }
  });
});
