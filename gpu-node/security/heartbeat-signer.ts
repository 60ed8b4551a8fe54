import { type KeyObject, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { edgeIssuer, type TelemetryReport, tokenTypes } from '../../shared/index.ts';
import { algorithmForKey } from './key-material.ts';

/** Lifetime of a heartbeat token; short, since a fresh one follows every second. */
const HEARTBEAT_TTL_SECONDS = 30;

/**
 * Signs telemetry as a heartbeat JWT with the pool's private key (ES256 or EdDSA, from the key
 * type): `iss` = `sub` = pool id, `aud` = the edge, typ `spillway-heartbeat+jwt`.
 */
export function createHeartbeatSigner(poolId: string, key: KeyObject, keyId: string | undefined) {
  const alg = algorithmForKey(key);
  return (telemetry: TelemetryReport): Promise<string> =>
    new SignJWT({ telemetry })
      .setProtectedHeader({ alg, typ: tokenTypes.heartbeat, ...(keyId ? { kid: keyId } : {}) })
      .setIssuer(poolId)
      .setSubject(poolId)
      .setAudience(edgeIssuer)
      .setIssuedAt()
      .setExpirationTime(`${HEARTBEAT_TTL_SECONDS}s`)
      .setJti(randomUUID())
      .sign(key);
}

/** A signer made by {@link createHeartbeatSigner}. */
export type HeartbeatSigner = ReturnType<typeof createHeartbeatSigner>;
