import { jwtVerify, SignJWT } from 'jose';
import { edgeIssuer, type OperatorClaims, operatorClaimsSchema, tokenTypes } from '../../shared/index.ts';
import type { EdgeKeys } from './edge-keys.ts';
import { isOversized, type JwtRejection, rejectionFromJoseError } from './jwt-rejection.ts';

/** Audience of operator tokens: the admin API. */
export const operatorAudience = 'spillway-admin';
const MAX_TTL_SECONDS = 24 * 60 * 60;
const MAX_TOKEN_BYTES = 8 * 1024;

/** Result of {@link verifyOperatorToken}. */
export type OperatorTokenResult = { ok: true; claims: OperatorClaims } | { ok: false; reason: JwtRejection };

/**
 * Mints an operator token for the admin API, signed with the edge key.
 * Throws a RangeError for a TTL outside 1 s to 24 h (a caller bug, not a request error).
 *
 * @example
 * const token = await mintOperatorToken(keys, 'alice@example.com', 900);
 */
export async function mintOperatorToken(
  keys: EdgeKeys,
  subject: string,
  ttlSeconds = 3600,
  now: () => number = () => Date.now(),
): Promise<string> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new RangeError(`ttlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  const issuedAt = Math.floor(now() / 1000);
  return new SignJWT({ scope: 'operator' })
    .setProtectedHeader({ alg: keys.alg, typ: tokenTypes.operator, kid: keys.kid })
    .setIssuer(edgeIssuer)
    .setAudience(operatorAudience)
    .setSubject(subject)
    .setJti(crypto.randomUUID())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keys.privateKey);
}

/**
 * Verifies an operator token: EdDSA only, exact `typ`, `iss` `spillway-edge`, `aud`
 * `spillway-admin`, 5 s clock tolerance, claims parsed with `operatorClaimsSchema`.
 *
 * @example
 * const result = await verifyOperatorToken(token, keys);
 * if (!result.ok) log.info({ reason: result.reason });
 */
export async function verifyOperatorToken(
  token: string,
  keys: EdgeKeys,
  now: () => number = () => Date.now(),
): Promise<OperatorTokenResult> {
  if (isOversized(token, MAX_TOKEN_BYTES)) return { ok: false, reason: 'oversized' };
  try {
    const { payload } = await jwtVerify(token, keys.publicKey, {
      algorithms: ['EdDSA'],
      typ: tokenTypes.operator,
      issuer: edgeIssuer,
      audience: operatorAudience,
      clockTolerance: 5,
      requiredClaims: ['exp', 'iat', 'sub'],
      currentDate: new Date(now()),
    });
    const claims = operatorClaimsSchema.safeParse(payload);
    return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'invalid_claims' };
  } catch (error) {
    return { ok: false, reason: rejectionFromJoseError(error) };
  }
}
