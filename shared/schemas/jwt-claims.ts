import { z } from 'zod';
import { telemetryReportSchema } from './telemetry-report.ts';

/**
 * The JWT `typ` header of each token kind. Verifiers require the exact type, so a token
 * minted for one purpose cannot be replayed as another (RFC 8725 §3.11).
 */
export const tokenTypes = {
  dispatch: 'spillway-dispatch+jwt',
  heartbeat: 'spillway-heartbeat+jwt',
  operator: 'spillway-operator+jwt',
  tenantApp: 'JWT',
} as const;

/** Issuer the edge uses for the tokens it mints. */
export const edgeIssuer = 'spillway-edge';

const registeredClaims = {
  iss: z.string().min(1),
  sub: z.string().min(1),
  iat: z.number().int(),
  exp: z.number().int(),
  jti: z.string().min(1).max(128).optional(),
};

/** Edge → gpu-node: authorises one call on one pool (`aud` is the pool id). */
export const dispatchClaimsSchema = z.object({
  ...registeredClaims,
  aud: z.string().min(1),
  scope: z.literal('generate'),
  tier: z.enum(['free', 'paid', 'enterprise']).optional(),
});

/** gpu-node → edge: a signed telemetry heartbeat; `iss` and `sub` are the pool id. */
export const heartbeatClaimsSchema = z.object({
  ...registeredClaims,
  aud: z.literal(edgeIssuer),
  telemetry: telemetryReportSchema,
});

/**
 * Most ancestors an operator token may name in its `lineage`: a token that many mints deep cannot
 * mint another (dropping the oldest ancestor would let its revocation miss the new token).
 */
export const MAX_OPERATOR_TOKEN_LINEAGE = 8;

/** Operator token for the admin API. */
export const operatorClaimsSchema = z.object({
  ...registeredClaims,
  aud: z.literal('spillway-admin'),
  scope: z.literal('operator'),
  /** Required: revocation names the token by it. */
  jti: z.string().min(1).max(128),
  /**
   * The `jti`s of the tokens this one was minted with, its minter first, then the minter's own
   * lineage. Revoking any of them revokes this token too. Absent on a token minted offline (a root).
   */
  lineage: z.array(z.string().min(1).max(128)).max(MAX_OPERATOR_TOKEN_LINEAGE).optional(),
});

/** Short-lived token minted by a tenant's own backend for its app users. */
export const tenantAppClaimsSchema = z.object({
  iss: z.string().url(),
  sub: z.string().min(1).max(256),
  aud: z.union([z.string(), z.array(z.string())]),
  exp: z.number().int(),
  iat: z.number().int().optional(),
  nbf: z.number().int().optional(),
});

/** Claims of an edge-signed dispatch token. */
export type DispatchClaims = z.infer<typeof dispatchClaimsSchema>;
/** Claims of a pool heartbeat. */
export type HeartbeatClaims = z.infer<typeof heartbeatClaimsSchema>;
/** Claims of an operator token. */
export type OperatorClaims = z.infer<typeof operatorClaimsSchema>;
/** Claims of a tenant app token. */
export type TenantAppClaims = z.infer<typeof tenantAppClaimsSchema>;
