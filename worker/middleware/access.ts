import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import { sessionCookieValue } from '../auth/dashboard-session.ts';
import type { Principal } from '../auth/index.ts';

/** A credential a caller can present. Bearer kinds are checked here; the others by the route itself. */
export type CredentialKind =
  /** A tenant API key (`sk_live_…`): the tenant's own servers. */
  | 'api_key'
  /** A short-lived JWT the tenant's backend minted for one app user (`sub`). */
  | 'app_token'
  /** An operator JWT signed by the edge key. */
  | 'operator'
  /** A heartbeat JWT signed with the key registered for that pool. */
  | 'pool_signature'
  /** The signature in a result URL. */
  | 'signed_url'
  /** Nothing: health and the API reference. */
  | 'anyone';

/**
 * Who may call a route. Every route spreads exactly one of these into its `createRoute` (a test
 * fails for a route that does not), so the next route cannot forget which credentials it takes.
 */
export const accessPolicies = {
  /** Tenant callers: their servers (API key) and their apps' users (app JWT). */
  tenant: { credentials: ['api_key', 'app_token'], scheme: 'tenantBearer' },
  /** Tenant servers only: secrets and settings an app user must never see or change. */
  tenantServer: { credentials: ['api_key'], scheme: 'tenantBearer' },
  /** The operator API. */
  operator: { credentials: ['operator'], scheme: 'operatorBearer' },
  /** Pools pushing heartbeats; the route verifies the signature against the pool's key. */
  pool: { credentials: ['pool_signature'], scheme: null },
  /** Result images; the route verifies the URL's signature. */
  signedUrl: { credentials: ['signed_url'], scheme: null },
  /** Open to anyone. */
  public: { credentials: ['anyone'], scheme: null },
} as const satisfies Record<
  string,
  { readonly credentials: readonly CredentialKind[]; readonly scheme: string | null }
>;

/** A policy's name. */
export type AccessPolicy = keyof typeof accessPolicies;

/** The extension field naming a route's credential kinds in the OpenAPI document. */
export const CREDENTIALS_EXTENSION = 'x-spillway-credentials';

/** The bearer credential kind of an authenticated caller. */
export function credentialOf(principal: Principal): CredentialKind {
  if (principal.kind === 'operator') return 'operator';
  return principal.via === 'api_key' ? 'api_key' : 'app_token';
}

/** Methods that change nothing: the only ones the dashboard's session cookie may authorize. */
const readMethods: ReadonlySet<string> = new Set(['GET', 'HEAD']);

const refusals: Readonly<Record<AccessPolicy, string>> = {
  tenant: 'this route needs a tenant credential',
  tenantServer: 'this route is for the tenant’s servers: use one of the tenant’s API keys',
  operator: 'the admin API needs an operator token',
  pool: '',
  signedUrl: '',
  public: '',
};

/**
 * The `createRoute` fields of a policy: its OpenAPI security and credential list, and for bearer
 * policies the middleware that authenticates the caller and refuses any other credential kind
 * (401 without a valid credential, 403 `insufficient_scope` with the wrong kind).
 */
export function access(policy: AccessPolicy) {
  const { credentials, scheme } = accessPolicies[policy];
  const allowed: readonly CredentialKind[] = credentials;
  const middleware: MiddlewareHandler<AppEnv>[] =
    scheme === null
      ? []
      : [
          async (context, next) => {
            const authorization = context.req.header('authorization');
            // The dashboard's session cookie stands in for the operator token on reads only: a
            // cookie rides along on requests the operator never meant, a bearer token does not.
            const session =
              policy === 'operator' && readMethods.has(context.req.method)
                ? sessionCookieValue(context.req.header('cookie'))
                : undefined;
            const principal = await context.var.deps.authenticator.authenticate(authorization, session);
            if (!allowed.includes(credentialOf(principal))) {
              throw new ApiError('insufficient_scope', refusals[policy]);
            }
            context.set('principal', principal);
            await next();
          },
        ];
  return {
    security: scheme === null ? [] : [{ [scheme]: [] }],
    middleware,
    [CREDENTIALS_EXTENSION]: [...credentials],
  };
}
