import { SignJWT } from 'jose';
import { z } from 'zod';
import { edgeIssuer, operatorClaimsSchema } from '../../shared/index.ts';
import { type EdgeJwtResult, verifyEdgeJwt } from './edge-jwt.ts';
import type { EdgeKeys } from './edge-keys.ts';

/**
 * The dashboard's session cookie. `__Host-` makes browsers insist on `Secure`, `Path=/` and no
 * `Domain`, so no sibling host can plant or read it (RFC 6265bis §4.1.3.2).
 */
export const DASHBOARD_SESSION_COOKIE = '__Host-spillway_dash';

/** The longest a dashboard session lasts, however long the operator token that opened it. */
export const MAX_DASHBOARD_SESSION_S = 12 * 3600;

/** `typ` of a session JWT: neither an operator token nor any other edge token verifies as one. */
export const dashboardSessionType = 'spillway-dashboard-session+jwt';

/** Audience of session JWTs: only the dashboard's cookie check accepts them. */
export const dashboardAudience = 'spillway-dashboard';

const MAX_SESSION_BYTES = 4 * 1024;

/** What a session carries over from the operator token it was exchanged for. */
export interface DashboardSessionClaims {
  /** The operator token's subject. */
  readonly sub: string;
  /** The operator token's `jti`: revoking that token ends the session too. */
  readonly token_id: string;
  /** The operator token's lineage: revoking any token it was minted with ends the session too. */
  readonly lineage: readonly string[];
  /** When the session ends, epoch seconds: never after the operator token's own `exp`. */
  readonly exp: number;
}

const sessionClaimsSchema = z.object({
  sub: z.string().min(1),
  token_id: z.string().min(1),
  lineage: operatorClaimsSchema.shape.lineage,
  exp: z.number().int(),
  iat: z.number().int(),
});

/** The operator the session is opened for, as the authenticator resolved their token. */
export interface SessionOperator {
  readonly subject: string;
  readonly tokenId: string;
  /** The operator token's expiry, epoch seconds. */
  readonly expiresAt: number;
  /** The `jti`s of the tokens the operator token was minted with. */
  readonly lineage?: readonly string[];
}

/** A freshly minted session: the cookie value and how long the cookie may live. */
export interface MintedDashboardSession {
  readonly value: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
  /** The cookie's `Max-Age`: up to the operator token's remaining life and {@link MAX_DASHBOARD_SESSION_S}. */
  readonly maxAgeSeconds: number;
}

/**
 * Exchanges a verified operator token for a session JWT signed by the edge key. Returns null when
 * the token has no life left to give a session.
 *
 * @example
 * const session = await mintDashboardSession(keys, { subject: 'ops', tokenId: jti, expiresAt: exp });
 */
export async function mintDashboardSession(
  keys: EdgeKeys,
  operator: SessionOperator,
  now: () => number = () => Date.now(),
): Promise<MintedDashboardSession | null> {
  const issuedAt = Math.floor(now() / 1000);
  const expiresAt = Math.min(operator.expiresAt, issuedAt + MAX_DASHBOARD_SESSION_S);
  if (expiresAt <= issuedAt) return null;
  const lineage = operator.lineage ?? [];
  const claims =
    lineage.length > 0
      ? { token_id: operator.tokenId, lineage: [...lineage] }
      : { token_id: operator.tokenId };
  const value = await new SignJWT(claims)
    .setProtectedHeader({ alg: keys.alg, typ: dashboardSessionType, kid: keys.kid })
    .setIssuer(edgeIssuer)
    .setAudience(dashboardAudience)
    .setSubject(operator.subject)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keys.privateKey);
  return { value, expiresAt, maxAgeSeconds: expiresAt - issuedAt };
}

/** Result of {@link verifyDashboardSession}. */
export type DashboardSessionResult = EdgeJwtResult<DashboardSessionClaims>;

/**
 * Verifies a session cookie's value: EdDSA by the edge key its `kid` names (the current one, or
 * during a rotation the previous one), exact `typ`, issuer and audience, no clock tolerance past
 * `exp`. Revocation of the underlying token is the caller's check.
 *
 * @example
 * const session = await verifyDashboardSession(cookieValue, keys);
 * if (session.ok) console.log(session.claims.token_id);
 */
export async function verifyDashboardSession(
  value: string,
  keys: EdgeKeys,
  now: () => number = () => Date.now(),
): Promise<DashboardSessionResult> {
  const result = await verifyEdgeJwt(
    value,
    keys,
    {
      typ: dashboardSessionType,
      audience: dashboardAudience,
      maxBytes: MAX_SESSION_BYTES,
      requiredClaims: ['exp', 'iat', 'sub'],
      claims: sessionClaimsSchema,
      maxLifetimeS: MAX_DASHBOARD_SESSION_S,
    },
    now,
  );
  if (!result.ok) return result;
  const { sub, token_id, exp, lineage = [] } = result.claims;
  return { ok: true, claims: { sub, token_id, exp, lineage } };
}

/** The `Set-Cookie` value that stores a session: HttpOnly, Secure, SameSite=Strict, host-only. */
export function sessionCookie(value: string, maxAgeSeconds: number): string {
  return `${DASHBOARD_SESSION_COOKIE}=${value}; Max-Age=${maxAgeSeconds}; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

/** The `Set-Cookie` value that deletes the session cookie (sign-out, or a refused session). */
export function clearedSessionCookie(): string {
  return `${DASHBOARD_SESSION_COOKIE}=; Max-Age=0; Path=/; HttpOnly; Secure; SameSite=Strict`;
}

/** The session cookie's value in a `Cookie` header, or undefined. */
export function sessionCookieValue(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined;
  for (const part of cookieHeader.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === DASHBOARD_SESSION_COOKIE) {
      const value = part.slice(separator + 1).trim();
      return value === '' ? undefined : value;
    }
  }
  return undefined;
}
