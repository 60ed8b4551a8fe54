import { SignJWT } from 'jose';
import { edgeIssuer, type PoolInput, type TelemetryReport, tokenTypes } from '../../../shared/index.ts';

/** A pool's heartbeat key pair inside workerd: the JWK to register, and a signer as gpu-node signs. */
export interface HeartbeatKey {
  readonly publicKey: NonNullable<PoolInput['public_key']>;
  sign(poolId: string, telemetry: TelemetryReport): Promise<string>;
}

/** How long a test heartbeat token lives (gpu-node's own is as short). */
const TEST_HEARTBEAT_TTL = '30s';

/** A fresh Ed25519 heartbeat key; tokens as `gpu-node/security/heartbeat-signer.ts` makes them. */
export async function heartbeatKey(): Promise<HeartbeatKey> {
  const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  if (!('publicKey' in pair)) throw new Error('Ed25519 generateKey returned a single key');
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  if (jwk instanceof ArrayBuffer || typeof jwk.x !== 'string') throw new Error('no JWK x member');
  return {
    publicKey: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: 'test-heartbeat' },
    sign: (poolId, telemetry) =>
      new SignJWT({ telemetry })
        .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.heartbeat, kid: 'test-heartbeat' })
        .setIssuer(poolId)
        .setSubject(poolId)
        .setAudience(edgeIssuer)
        .setIssuedAt()
        .setExpirationTime(TEST_HEARTBEAT_TTL)
        .setJti(crypto.randomUUID())
        .sign(pair.privateKey),
  };
}
