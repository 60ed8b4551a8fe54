import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { type DispatchClaims, dispatchClaimsSchema, tokenTypes } from '../../shared/index.ts';
import type { AsymmetricAlgorithm, VerificationKey } from './key-material.ts';

/** Where the edge's public key comes from, and what a token must claim. */
export interface EdgeTokenPolicy {
  readonly key: VerificationKey | URL;
  readonly algorithms: readonly AsymmetricAlgorithm[];
  readonly issuer: string;
  readonly audience: string;
  readonly clockToleranceSeconds: number;
  readonly maxTokenAgeSeconds: number;
  /** The clock expiry and age are checked against, in ms since the epoch; `Date.now` if absent. */
  readonly now?: () => number;
}

/** Why a token was refused; the reason goes to logs, never to the caller. */
export type TokenRejection = 'missing' | 'malformed' | 'oversized' | 'expired' | 'invalid';

const MAX_TOKEN_BYTES = 8 * 1024;

/**
 * Verifies the bearer JWT the edge signs for each call: algorithm pinned to the allow-list,
 * exact `typ`, issuer, audience (this pool), expiry with a small clock tolerance, and claims
 * that parse as {@link DispatchClaims}.
 */
export function createEdgeTokenVerifier(policy: EdgeTokenPolicy) {
  const key = policy.key instanceof URL ? createRemoteJWKSet(policy.key) : policy.key;
  return async (
    authorization: string | undefined,
  ): Promise<{ ok: true; claims: DispatchClaims } | { ok: false; reason: TokenRejection }> => {
    if (!authorization) return { ok: false, reason: 'missing' };
    // The auth scheme is case-insensitive (RFC 7235 §2.1).
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(authorization);
    if (!match?.[1]) return { ok: false, reason: 'malformed' };
    if (match[1].length > MAX_TOKEN_BYTES) return { ok: false, reason: 'oversized' };
    try {
      const { payload } = await jwtVerify(match[1], key as Parameters<typeof jwtVerify>[1], {
        algorithms: [...policy.algorithms],
        issuer: policy.issuer,
        audience: policy.audience,
        typ: tokenTypes.dispatch,
        clockTolerance: policy.clockToleranceSeconds,
        maxTokenAge: policy.maxTokenAgeSeconds,
        currentDate: new Date((policy.now ?? Date.now)()),
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const claims = dispatchClaimsSchema.safeParse(payload);
      return claims.success ? { ok: true, claims: claims.data } : { ok: false, reason: 'invalid' };
    } catch (error) {
      return { ok: false, reason: error instanceof joseErrors.JWTExpired ? 'expired' : 'invalid' };
    }
  };
}

/** A verifier made by {@link createEdgeTokenVerifier}. */
export type EdgeTokenVerifier = ReturnType<typeof createEdgeTokenVerifier>;
