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
import type { ApiKeyRecord, TenantRecord } from '../objects/fleet-records.ts';
import { ExpiringCache } from './credential-cache.ts';
import type { Principal } from './principal.ts';

/** Revoked keys stop working in every isolate within this time. */
const CREDENTIAL_CACHE_MS = 5_000;
const apiKeys = new ExpiringCache<{ key: ApiKeyRecord; tenant: TenantRecord } | null>(CREDENTIAL_CACHE_MS);
const issuers = new ExpiringCache<TenantRecord | null>(CREDENTIAL_CACHE_MS);

const refused = (message = 'the credentials were refused') =>
  new ApiError('invalid_credentials', message, {
    headers: { 'www-authenticate': 'Bearer realm="spillway"' },
  });

/** Resolves the caller from `Authorization: Bearer …`: an API key, a tenant app JWT or an operator JWT. */
export async function authenticate(env: Env, authorization: string | undefined): Promise<Principal> {
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
      const hash = await hashApiKey(bearer.key);
      const found = await apiKeys.getOrLoad(hash, Date.now(), () =>
        env.TENANTS.getByName('tenants').lookupApiKey(hash),
      );
      if (!found || !digestsEqual(found.key.hash, hash)) throw refused();
      return { kind: 'tenant', tenant: found.tenant, via: 'api_key', subject: found.key.id };
    }
    case 'jwt': {
      const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
      const operator = await verifyOperatorToken(bearer.token, keys);
      if (operator.ok) return { kind: 'operator', subject: operator.claims.sub };
      const app = await verifyTenantAppToken(bearer.token, (issuer) =>
        issuers.getOrLoad(issuer, Date.now(), () =>
          env.TENANTS.getByName('tenants').findTenantByIssuer(issuer),
        ),
      );
      if (!app.ok) throw refused();
      return { kind: 'tenant', tenant: app.tenant, via: 'app_token', subject: app.subject };
    }
  }
}

/** Forgets cached credentials in this isolate (after a revocation here). */
export function forgetCachedCredentials(): void {
  apiKeys.clear();
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
