import { jwtVerify } from 'jose';
import type { z } from 'zod';
import { edgeIssuer } from '../../shared/index.ts';
import { type EdgeKeys, edgeVerificationKey } from './edge-keys.ts';
import { isOversized, type JwtRejection, rejectionFromJoseError } from './jwt-rejection.ts';

/** What one kind of edge-signed JWT must be, beyond the edge's signature and issuer. */
export interface EdgeJwtRules<Claims extends { readonly exp: number; readonly iat: number }> {
  /** Exact `typ` header: no other kind of edge token verifies as this one. */
  readonly typ: string;
  readonly audience: string;
  /** Longest token read at all, bytes. */
  readonly maxBytes: number;
  readonly requiredClaims: readonly string[];
  /** Seconds of clock skew allowed around `exp` and `iat`; none when absent. */
  readonly clockToleranceS?: number;
  readonly claims: z.ZodType<Claims>;
  /** A token meant to live longer than this (`exp - iat`, seconds) is refused however it was minted. */
  readonly maxLifetimeS: number;
}

/** Result of {@link verifyEdgeJwt}. */
export type EdgeJwtResult<Claims> =
  | { ok: true; claims: Claims }
  | { ok: false; reason: JwtRejection | 'too_long_lived' };

/**
 * Verifies a JWT the edge signed itself: EdDSA by the edge key its `kid` names (the current key,
 * or during a rotation the previous one), issuer `spillway-edge`, then the kind's own `typ`,
 * audience, required claims, claim schema and longest lifetime.
 *
 * @example
 * const result = await verifyEdgeJwt(token, keys, operatorTokenRules);
 * if (!result.ok) log.info({ reason: result.reason });
 */
export async function verifyEdgeJwt<Claims extends { readonly exp: number; readonly iat: number }>(
  jwt: string,
  keys: EdgeKeys,
  rules: EdgeJwtRules<Claims>,
  now: () => number = () => Date.now(),
): Promise<EdgeJwtResult<Claims>> {
  if (isOversized(jwt, rules.maxBytes)) return { ok: false, reason: 'oversized' };
  try {
    const { payload } = await jwtVerify(jwt, (header) => edgeVerificationKey(keys, header), {
      algorithms: ['EdDSA'],
      typ: rules.typ,
      issuer: edgeIssuer,
      audience: rules.audience,
      requiredClaims: [...rules.requiredClaims],
      currentDate: new Date(now()),
      ...(rules.clockToleranceS === undefined ? {} : { clockTolerance: rules.clockToleranceS }),
    });
    const claims = rules.claims.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'invalid_claims' };
    // A long-lived credential is a standing risk: refuse one however it was minted.
    if (claims.data.exp - claims.data.iat > rules.maxLifetimeS)
      return { ok: false, reason: 'too_long_lived' };
    return { ok: true, claims: claims.data };
  } catch (error) {
    return { ok: false, reason: rejectionFromJoseError(error) };
  }
}
