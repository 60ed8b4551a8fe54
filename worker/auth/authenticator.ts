import { ApiError, MAX_ISSUER_LENGTH } from '../../shared/index.ts';
import type { ApiKeyRecord, TenantRecord } from '../tenants/tenant-records.ts';
import { digestsEqual, hashApiKey, isWellFormedApiKey } from './api-keys.ts';
import { classifyBearer } from './bearer.ts';
import { CredentialCache } from './credential-cache.ts';
import { verifyDashboardSession } from './dashboard-session.ts';
import type { EdgeKeys } from './edge-keys.ts';
import { verifyOperatorToken } from './operator-token.ts';
import type { Principal } from './principal.ts';
import { RemoteJwks } from './remote-jwks.ts';
import { type TenantAppTokenRejection, verifyTenantAppToken } from './tenant-app-token.ts';

/** Revoked keys stop working in every isolate within this time. */
export const CREDENTIAL_CACHE_MS = 5_000;

/** Resolves `Authorization` headers to callers; one per isolate, with its credential caches. */
export interface Authenticator {
  /**
   * The caller behind `Authorization: Bearer …`, or an {@link ApiError} (401) saying why not.
   * `dashboardSession`, the dashboard's session cookie, is only read when no `Authorization` is
   * sent; the access layer passes it for operator reads alone (`worker/middleware/access.ts`).
   */
  authenticate(authorization: string | undefined, dashboardSession?: string): Promise<Principal>;
  /** Forgets cached credentials (after this isolate revoked a key or token). */
  forget(): void;
}

/** The tenant directory's answers an authenticator needs (the Durable Object, in the Worker). */
export interface CredentialDirectory {
  /** The live key with this SHA-256 digest and its tenant, or null. */
  lookupApiKey(hash: string): Promise<{ readonly key: ApiKeyRecord; readonly tenant: TenantRecord } | null>;
  /** The tenant whose app tokens this issuer signs, or null. */
  findTenantByIssuer(issuer: string): Promise<TenantRecord | null>;
  /** Whether the operator token with this `jti` was revoked (a token's ancestors are asked too). */
  isTokenRevoked(jti: string, now: number): Promise<boolean>;
}

/** Where an {@link DirectoryAuthenticator} checks credentials. */
export interface AuthenticatorSources {
  /** The edge's own keys: they verify operator tokens. */
  readonly edgeKeys: () => Promise<EdgeKeys>;
  /** The tenant directory: API key digests and app-token issuers. */
  readonly tenants: () => CredentialDirectory;
  readonly now: () => number;
  /** How tenants' `jwks_uri` key sets are fetched (the Workers `fetch` unless a test says). */
  readonly fetch?: typeof fetch;
}

/** Found credentials an isolate keeps (API keys or issuers). */
const MAX_FOUND = 10_000;
/** Refusals an isolate keeps; fewer, and evicted among themselves only. */
const MAX_REFUSED = 2_000;

const cacheLimits = { ttlMs: CREDENTIAL_CACHE_MS, maxFound: MAX_FOUND, maxRefused: MAX_REFUSED };

const refused = (message = 'the credentials were refused') =>
  new ApiError('invalid_credentials', message, {
    headers: { 'www-authenticate': 'Bearer realm="spillway"' },
  });

/**
 * What a refused app token is told: an expired one says so (the app should get a new token, not
 * sign its user out), an unreachable key set is the edge's problem (502, retry), anything else is
 * the plain refusal.
 */
function appTokenRefusal(reason: TenantAppTokenRejection): ApiError {
  if (reason === 'expired') return refused('the token has expired: get a new one from your backend');
  if (reason === 'keys_unavailable') {
    return new ApiError(
      'upstream_failed',
      "the token issuer's keys (jwks_uri) could not be fetched; try again",
      {
        headers: { 'retry-after': '5' },
      },
    );
  }
  return refused();
}

/** Which of an operator token's `jti`s is on the deny list: its own, an ancestor's, or none. */
type Revocation = 'token' | 'ancestor' | null;

/**
 * What a revoked operator token is told. Only a token the edge signed gets here (a forged one is
 * refused before revocation is looked up), and its holder already knew it was valid, so naming
 * the revocation tells them nothing new.
 */
function operatorTokenRefusal(revocation: 'token' | 'ancestor'): ApiError {
  return revocation === 'token'
    ? refused('the token was revoked')
    : refused('the token was revoked: it was minted with a token that was revoked');
}

/**
 * Authenticates API keys, tenant app JWTs and operator JWTs against the tenant directory.
 * Only well-formed credentials reach the directory (an API key with a valid checksum, an issuer
 * no longer than any tenant may register), and each distinct one at most once per
 * {@link CREDENTIAL_CACHE_MS} per isolate (see {@link CredentialCache}); revocation lands within
 * that time. A cached API key skips hashing and the directory. Keys are only map keys in this
 * isolate's memory: never stored, logged or sent.
 */
export class DirectoryAuthenticator implements Authenticator {
  readonly #sources: AuthenticatorSources;
  readonly #apiKeyPrincipals = new CredentialCache<Principal>(cacheLimits);
  readonly #issuers = new CredentialCache<TenantRecord>(cacheLimits);
  /** `jti`s found on the deny list (a miss is cached as null: not revoked, for the same while). */
  readonly #revoked = new CredentialCache<true>(cacheLimits);
  /** Tenants' key sets fetched from their `jwks_uri`. */
  readonly #remoteKeys: RemoteJwks;

  constructor(sources: AuthenticatorSources) {
    this.#sources = sources;
    this.#remoteKeys = new RemoteJwks(sources.fetch ?? ((input, init) => fetch(input, init)), sources.now);
  }

  async authenticate(authorization: string | undefined, dashboardSession?: string): Promise<Principal> {
    const now = this.#sources.now();
    const bearer = classifyBearer(authorization);
    switch (bearer.kind) {
      case 'missing':
        if (dashboardSession !== undefined) return this.#authenticateSession(dashboardSession, now);
        throw new ApiError('missing_credentials', 'send Authorization: Bearer <API key or token>', {
          headers: { 'www-authenticate': 'Bearer realm="spillway"' },
        });
      case 'malformed':
        throw refused('the Authorization header is not a bearer API key or JWT');
      case 'api_key': {
        if (!isWellFormedApiKey(bearer.key)) throw refused();
        const principal =
          this.#apiKeyPrincipals.peek(bearer.key, now) ??
          (await this.#apiKeyPrincipals.getOrLoad(bearer.key, now, () => this.#lookUpApiKey(bearer.key)));
        if (!principal) throw refused();
        return principal;
      }
      case 'jwt': {
        const operator = await verifyOperatorToken(bearer.token, await this.#sources.edgeKeys());
        if (operator.ok) {
          const { jti, sub, exp, lineage = [] } = operator.claims;
          const revocation = await this.#revocation(jti, lineage, now);
          if (revocation !== null) throw operatorTokenRefusal(revocation);
          return { kind: 'operator', subject: sub, tokenId: jti, expiresAt: exp, lineage };
        }
        const app = await verifyTenantAppToken(
          bearer.token,
          async (issuer) =>
            issuer.length > MAX_ISSUER_LENGTH
              ? null
              : this.#issuers.getOrLoad(issuer, now, () =>
                  this.#sources.tenants().findTenantByIssuer(issuer),
                ),
          this.#sources.now,
          this.#remoteKeys,
        );
        if (!app.ok) throw appTokenRefusal(app.reason);
        return { kind: 'tenant', tenant: app.tenant, via: 'app_token', subject: app.subject };
      }
    }
  }

  forget(): void {
    this.#apiKeyPrincipals.clear();
    this.#issuers.clear();
    this.#revoked.clear();
  }

  /**
   * A dashboard session: valid only while neither the operator token it was opened with nor any
   * token in that token's lineage is revoked.
   */
  async #authenticateSession(value: string, now: number): Promise<Principal> {
    const session = await verifyDashboardSession(value, await this.#sources.edgeKeys(), () => now);
    if (!session.ok) throw refused('the dashboard session was refused: sign in again');
    const { sub, token_id: tokenId, exp, lineage } = session.claims;
    if ((await this.#revocation(tokenId, lineage, now)) !== null)
      throw refused('the dashboard session was refused: sign in again');
    return { kind: 'operator', subject: sub, tokenId, expiresAt: exp, lineage };
  }

  /**
   * Whether the token or a token in its lineage is revoked. Each `jti` is its own cache entry, so
   * siblings share their ancestors' answers; the ones this isolate has not checked within
   * {@link CREDENTIAL_CACHE_MS} are asked at once, in parallel, not one after another.
   */
  async #revocation(tokenId: string, lineage: readonly string[], now: number): Promise<Revocation> {
    const revoked = await Promise.all([tokenId, ...lineage].map((jti) => this.#isRevoked(jti, now)));
    if (revoked[0]) return 'token';
    return revoked.includes(true) ? 'ancestor' : null;
  }

  async #isRevoked(jti: string, now: number): Promise<boolean> {
    const revoked = await this.#revoked.getOrLoad(jti, now, async () =>
      (await this.#sources.tenants().isTokenRevoked(jti, now)) ? true : null,
    );
    return revoked === true;
  }

  /** The directory's answer for a well-formed key: only its SHA-256 digest leaves this method. */
  async #lookUpApiKey(key: string): Promise<Principal | null> {
    const hash = await hashApiKey(key);
    const found = await this.#sources.tenants().lookupApiKey(hash);
    if (!found || !digestsEqual(found.key.hash, hash)) return null;
    return { kind: 'tenant', tenant: found.tenant, via: 'api_key', subject: found.key.id };
  }
}
