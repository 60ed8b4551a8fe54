import { type JWK, jwtVerify } from 'jose';
import {
  edgeIssuer,
  type HeartbeatClaims,
  heartbeatClaimsSchema,
  REPORT_CLOCK_TOLERANCE_MS,
  tokenTypes,
} from '../../shared/index.ts';
import { isOversized, type JwtRejection, rejectionFromJoseError } from './jwt-rejection.ts';

const MAX_TOKEN_BYTES = 16 * 1024;
/** Clock skew allowed between a pool and the edge, s: for the token's times and its report's. */
const CLOCK_TOLERANCE_S = REPORT_CLOCK_TOLERANCE_MS / 1_000;

/** Why a heartbeat was refused. */
export type HeartbeatRejection =
  | JwtRejection
  /** The registered key is not a public Ed25519 or P-256 key. */
  | 'unsupported_key'
  /** The telemetry report names another pool than the one the token is for. */
  | 'pool_mismatch'
  /**
   * The report is dated later than now, past the clock tolerance. Kept, it would make every
   * later report of the pool look older than it, and so stale.
   */
  | 'future_report';

/** Result of {@link verifyHeartbeat}. */
export type HeartbeatResult =
  | { ok: true; claims: HeartbeatClaims }
  | { ok: false; reason: HeartbeatRejection };

/**
 * Verifies a pool's signed heartbeat against the key registered for that pool: the algorithm is
 * pinned to the key type, `typ` `spillway-heartbeat+jwt`, `iss` = `sub` = `telemetry.pool_id` =
 * `poolId`, `aud` `spillway-edge`, at most 60 s old, 5 s clock tolerance (for the report's `timestamp` too).
 *
 * @example
 * const result = await verifyHeartbeat(token, pool.id, pool.public_key);
 * if (result.ok) await fleet.recordTelemetry(result.claims.telemetry);
 */
export async function verifyHeartbeat(
  token: string,
  poolId: string,
  poolPublicJwk: JWK,
  now: () => number = () => Date.now(),
): Promise<HeartbeatResult> {
  if (isOversized(token, MAX_TOKEN_BYTES)) return { ok: false, reason: 'oversized' };
  const algorithm = algorithmForPublicJwk(poolPublicJwk);
  if (!algorithm) return { ok: false, reason: 'unsupported_key' };
  try {
    const { payload } = await jwtVerify(token, poolPublicJwk, {
      algorithms: [algorithm],
      typ: tokenTypes.heartbeat,
      issuer: poolId,
      subject: poolId,
      audience: edgeIssuer,
      clockTolerance: CLOCK_TOLERANCE_S,
      maxTokenAge: 60,
      requiredClaims: ['exp', 'iat'],
      currentDate: new Date(now()),
    });
    const claims = heartbeatClaimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'invalid_claims' };
    if (claims.data.telemetry.pool_id !== poolId) return { ok: false, reason: 'pool_mismatch' };
    if (claims.data.telemetry.timestamp > now() + REPORT_CLOCK_TOLERANCE_MS)
      return { ok: false, reason: 'future_report' };
    return { ok: true, claims: claims.data };
  } catch (error) {
    return { ok: false, reason: rejectionFromJoseError(error) };
  }
}

/** The one algorithm a registered pool key may sign with (RFC 8725 §3.1: pin per key). */
function algorithmForPublicJwk(jwk: JWK): 'EdDSA' | 'ES256' | null {
  if ('d' in jwk) return null;
  const algorithm =
    jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
      ? 'EdDSA'
      : jwk.kty === 'EC' && jwk.crv === 'P-256'
        ? 'ES256'
        : null;
  // A key that declares another `alg` than its type implies is refused rather than guessed at.
  if (algorithm && jwk.alg !== undefined && jwk.alg !== algorithm) return null;
  return algorithm;
}
