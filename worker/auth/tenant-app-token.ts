import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { tenantAppClaimsSchema, tokenTypes } from '../../shared/index.ts';
import type { TenantRecord } from '../tenants/tenant-records.ts';
import { isOversized, type JwtRejection, rejectionFromJoseError } from './jwt-rejection.ts';
import { KeysUnavailableError, type RemoteJwks } from './remote-jwks.ts';

const MAX_TOKEN_BYTES = 8 * 1024;
const MAX_LIFETIME_SECONDS = 24 * 60 * 60;
const CLOCK_TOLERANCE_SECONDS = 30;
// Asymmetric only: an HS* token "signed" with a public key's bytes must never verify.
const ALGORITHMS = ['ES256', 'EdDSA', 'RS256'] as const;

/** Why a tenant app token was refused. */
export type TenantAppTokenRejection =
  | JwtRejection
  /** No tenant registered app tokens from this `iss`. */
  | 'unknown_issuer'
  /** The issuer's `jwks_uri` could not be fetched and no copy is held: not the token's fault. */
  | 'keys_unavailable'
  /** Valid for more than 24 h: a long-lived secret must not ship inside an app. */
  | 'too_long_lived';

/** Result of {@link verifyTenantAppToken}: the tenant and the app user (`sub`). */
export type TenantAppTokenResult =
  | { ok: true; tenant: TenantRecord; subject: string }
  | { ok: false; reason: TenantAppTokenRejection };

/** `typ` values identity providers send on access tokens; Spillway's own token kinds are not among them. */
const TENANT_TOKEN_TYPES: readonly string[] = [
  tokenTypes.tenantApp.toLowerCase(),
  'at+jwt',
  'application/at+jwt',
];

/**
 * Verifies a token a tenant's backend minted for one of its app users. The unverified `iss`
 * only selects the tenant; the token must then verify against that tenant's registered JWKS, or
 * the key set at its registered `jwks_uri` (`remoteKeys`; never a token's own `jku`/`x5u`), with
 * ES256, EdDSA or RS256, the tenant's audience, the exact issuer, `exp` required, 30 s clock
 * tolerance, and a lifetime of at most 24 h. `remoteKeys` is the isolate's one cache of fetched
 * key sets: a new one per call would fetch an issuer's keys for every token.
 *
 * @example
 * const remoteKeys = new RemoteJwks(fetch, Date.now); // once per isolate
 * const result = await verifyTenantAppToken(token, findTenantByIssuer, Date.now, remoteKeys);
 * if (result.ok) console.log(result.tenant.id, result.subject);
 */
export async function verifyTenantAppToken(
  token: string,
  lookupTenantByIssuer: (iss: string) => Promise<TenantRecord | null>,
  now: () => number,
  remoteKeys: RemoteJwks,
): Promise<TenantAppTokenResult> {
  if (isOversized(token, MAX_TOKEN_BYTES)) return { ok: false, reason: 'oversized' };
  let issuer: string | undefined;
  let algorithm: string | undefined;
  let type: string | undefined;
  try {
    ({ alg: algorithm, typ: type } = decodeProtectedHeader(token));
    issuer = decodeJwt(token).iss;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  // Refused before the lookup so forged `none`/HS* tokens cost no directory read.
  if (!ALGORITHMS.some((allowed) => allowed === algorithm))
    return { ok: false, reason: 'algorithm_not_allowed' };
  if (typeof issuer !== 'string' || issuer.length === 0) return { ok: false, reason: 'missing_claim' };
  // Identity providers send `JWT`, `at+jwt` or nothing; Spillway's own token kinds never pass here.
  if (type !== undefined && !TENANT_TOKEN_TYPES.includes(type.toLowerCase()))
    return { ok: false, reason: 'wrong_type' };

  const tenant = await lookupTenantByIssuer(issuer);
  const appTokens = tenant?.app_tokens;
  if (!tenant || !appTokens || appTokens.issuer !== issuer) return { ok: false, reason: 'unknown_issuer' };

  const currentDate = new Date(now());
  let keys: JWTVerifyGetKey;
  try {
    keys = appTokens.jwks
      ? createLocalJWKSet(appTokens.jwks)
      : await remoteKeys.getKeyFor(String(appTokens.jwks_uri));
  } catch {
    return { ok: false, reason: 'keys_unavailable' };
  }
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [...ALGORITHMS],
      issuer: appTokens.issuer,
      audience: appTokens.audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp', 'sub'],
      currentDate,
    });
    const claims = tenantAppClaimsSchema.safeParse(payload);
    if (!claims.success) return { ok: false, reason: 'invalid_claims' };
    const nowSeconds = Math.floor(currentDate.getTime() / 1000);
    // Measured from the earlier of `iat` and now, so a missing or future `iat` cannot hide a far `exp`.
    const start = Math.min(claims.data.iat ?? nowSeconds, nowSeconds);
    if (claims.data.exp - start > MAX_LIFETIME_SECONDS) return { ok: false, reason: 'too_long_lived' };
    return { ok: true, tenant, subject: claims.data.sub };
  } catch (error) {
    // A rotation's refetch for an unknown `kid` that failed: the token may well be good.
    if (error instanceof KeysUnavailableError) return { ok: false, reason: 'keys_unavailable' };
    return { ok: false, reason: rejectionFromJoseError(error) };
  }
}
