import { SignJWT } from 'jose';
import {
  edgeIssuer,
  MAX_OPERATOR_TOKEN_LINEAGE,
  MAX_OPERATOR_TOKEN_TTL_S,
  type OperatorClaims,
  operatorClaimsSchema,
  tokenTypes,
} from '../../shared/index.ts';
import { type EdgeJwtResult, verifyEdgeJwt } from './edge-jwt.ts';
import type { EdgeKeys } from './edge-keys.ts';

/** Audience of operator tokens: the admin API. */
export const operatorAudience = 'spillway-admin';

const MAX_TOKEN_BYTES = 8 * 1024;

/** Result of {@link verifyOperatorToken}. */
export type OperatorTokenResult = EdgeJwtResult<OperatorClaims>;

/** A minted operator token and what revoking or displaying it needs. */
export interface MintedOperatorToken {
  readonly token: string;
  readonly jti: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/**
 * Mints an operator token for the admin API, signed with the edge key. `lineage` names the tokens
 * it is minted with, its minter first (see {@link lineageOfChild}); a token minted offline has none.
 * Throws a RangeError for a TTL outside 1 s to {@link MAX_OPERATOR_TOKEN_TTL_S}, or a lineage
 * longer than {@link MAX_OPERATOR_TOKEN_LINEAGE} (a caller bug).
 *
 * @example
 * const { token, jti } = await mintOperatorToken(keys, 'alice@example.com', 900);
 */
export async function mintOperatorToken(
  keys: EdgeKeys,
  subject: string,
  ttlSeconds = 3600,
  now: () => number = () => Date.now(),
  lineage: readonly string[] = [],
): Promise<MintedOperatorToken> {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_OPERATOR_TOKEN_TTL_S) {
    throw new RangeError(`ttlSeconds must be an integer from 1 to ${MAX_OPERATOR_TOKEN_TTL_S}`);
  }
  if (lineage.length > MAX_OPERATOR_TOKEN_LINEAGE) {
    throw new RangeError(`a token names at most ${MAX_OPERATOR_TOKEN_LINEAGE} tokens in its lineage`);
  }
  const issuedAt = Math.floor(now() / 1000);
  const jti = crypto.randomUUID();
  const expiresAt = issuedAt + ttlSeconds;
  const claims = lineage.length > 0 ? { scope: 'operator', lineage: [...lineage] } : { scope: 'operator' };
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: keys.alg, typ: tokenTypes.operator, kid: keys.kid })
    .setIssuer(edgeIssuer)
    .setAudience(operatorAudience)
    .setSubject(subject)
    .setJti(jti)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keys.privateKey);
  return { token, jti, expiresAt };
}

/**
 * The lineage of a token minted with the operator token `minter`: the minter's `jti`, then the
 * minter's own lineage. Null when that would exceed {@link MAX_OPERATOR_TOKEN_LINEAGE}: the chain
 * is never cut short, since a dropped ancestor's revocation would miss the new token.
 *
 * @example
 * const lineage = lineageOfChild({ tokenId: principal.tokenId, lineage: principal.lineage });
 * if (lineage === null) throw new ApiError('insufficient_scope', 'mint from an earlier token');
 */
export function lineageOfChild(minter: {
  readonly tokenId: string;
  readonly lineage?: readonly string[];
}): readonly string[] | null {
  const lineage = [minter.tokenId, ...(minter.lineage ?? [])];
  return lineage.length > MAX_OPERATOR_TOKEN_LINEAGE ? null : lineage;
}

/**
 * Verifies an operator token against the edge key its `kid` names (the current key, or during a
 * rotation the previous one): EdDSA only, exact `typ`, `iss` `spillway-edge`, `aud`
 * `spillway-admin`, 5 s clock tolerance, claims parsed with `operatorClaimsSchema`.
 *
 * @example
 * const result = await verifyOperatorToken(token, keys);
 * if (!result.ok) log.info({ reason: result.reason });
 */
export function verifyOperatorToken(
  token: string,
  keys: EdgeKeys,
  now: () => number = () => Date.now(),
): Promise<OperatorTokenResult> {
  return verifyEdgeJwt(
    token,
    keys,
    {
      typ: tokenTypes.operator,
      audience: operatorAudience,
      maxBytes: MAX_TOKEN_BYTES,
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
      clockToleranceS: 5,
      claims: operatorClaimsSchema,
      maxLifetimeS: MAX_OPERATOR_TOKEN_TTL_S,
    },
    now,
  );
}
