import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import {
  classifyBearer,
  digestsEqual,
  hashApiKey,
  isWellFormedApiKey,
  loadEdgeKeys,
  verifyOperatorToken,
  verifyTenantAppToken,
} from '../auth/index.ts';
import type { Env } from '../env.ts';
import type { TenantRecord } from '../objects/fleet-records.ts';
import { ExpiringCache } from './credential-cache.ts';
import type { Principal } from './principal.ts';

/** Revoked keys stop working in every isolate within this time. */
const CREDENTIAL_CACHE_MS = 5_000;
/**
 * API-key callers by their whole `Authorization` header, `null` for a well-formed key the
 * directory does not know. A hit skips parsing, hashing and the directory; entries live
 * {@link CREDENTIAL_CACHE_MS} from the directory read, so revocation still lands within that
 * time. The header is only a map key in this isolate's memory: never stored, logged or sent.
 */
const apiKeyPrincipals = new ExpiringCache<Principal | null>(CREDENTIAL_CACHE_MS);
const issuers = new ExpiringCache<TenantRecord | null>(CREDENTIAL_CACHE_MS);

const refused = (message = 'the credentials were refused') =>
  new ApiError('invalid_credentials', message, {
    headers: { 'www-authenticate': 'Bearer realm="spillway"' },
  });

/** Resolves the caller from `Authorization: Bearer …`: an API key, a tenant app JWT or an operator JWT. */
export async function authenticate(env: Env, authorization: string | undefined): Promise<Principal> {
  const now = Date.now();
  const recent = authorization === undefined ? undefined : apiKeyPrincipals.peek(authorization, now);
  if (recent) return recent;
  if (recent === null) throw refused();
  const bearer = classifyBearer(authorization);
  switch (bearer.kind) {
    case 'missing':
      throw new ApiError('missing_credentials', 'send Authorization: Bearer <API key or token>', {
        headers: { 'www-authenticate': 'Bearer realm="spillway"' },
      });
    case 'malformed':
      throw refused('the Authorization header is not a bearer API key or JWT');
    case 'api_key': {
      if (!isWellFormedApiKey(bearer.key)) throw refused();
      const principal = await apiKeyPrincipals.getOrLoad(authorization ?? bearer.key, now, () =>
        lookUpApiKey(env, bearer.key),
      );
      if (!principal) throw refused();
      return principal;
    }
    case 'jwt': {
      const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
      const operator = await verifyOperatorToken(bearer.token, keys);
      if (operator.ok) return { kind: 'operator', subject: operator.claims.sub };
      const app = await verifyTenantAppToken(bearer.token, (issuer) =>
        issuers.getOrLoad(issuer, now, () => env.TENANTS.getByName('tenants').findTenantByIssuer(issuer)),
      );
      if (!app.ok) throw refused();
      return { kind: 'tenant', tenant: app.tenant, via: 'app_token', subject: app.subject };
    }
  }
}

/** The directory's answer for a well-formed key: only its SHA-256 digest leaves this function. */
async function lookUpApiKey(env: Env, key: string): Promise<Principal | null> {
  const hash = await hashApiKey(key);
  const found = await env.TENANTS.getByName('tenants').lookupApiKey(hash);
  if (!found || !digestsEqual(found.key.hash, hash)) return null;
  return { kind: 'tenant', tenant: found.tenant, via: 'api_key', subject: found.key.id };
}

/** Forgets cached credentials in this isolate (after a revocation here). */
export function forgetCachedCredentials(): void {
  apiKeyPrincipals.clear();
  issuers.clear();
}

/** Requires a tenant credential; operators and anonymous callers are refused. */
export const requireTenant: MiddlewareHandler<AppEnv> = async (context, next) => {
  const principal = await authenticate(context.env, context.req.header('authorization'));
  if (principal.kind !== 'tenant')
    throw new ApiError('insufficient_scope', 'this route needs a tenant credential');
  context.set('principal', principal);
  await next();
};

/** Requires an operator token; a tenant credential gets 403. */
export const requireOperator: MiddlewareHandler<AppEnv> = async (context, next) => {
  const principal = await authenticate(context.env, context.req.header('authorization'));
  if (principal.kind !== 'operator')
    throw new ApiError('insufficient_scope', 'the admin API needs an operator token');
  context.set('principal', principal);
  await next();
};
