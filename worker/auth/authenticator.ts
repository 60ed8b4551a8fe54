import { ApiError } from '../../shared/index.ts';
import type { ApiKeyRecord, TenantRecord } from '../tenants/tenant-records.ts';
import { digestsEqual, hashApiKey, isWellFormedApiKey } from './api-keys.ts';
import { classifyBearer } from './bearer.ts';
import { ExpiringCache } from './credential-cache.ts';
import type { EdgeKeys } from './edge-keys.ts';
import { verifyOperatorToken } from './operator-token.ts';
import type { Principal } from './principal.ts';
import { verifyTenantAppToken } from './tenant-app-token.ts';

/** Revoked keys stop working in every isolate within this time. */
export const CREDENTIAL_CACHE_MS = 5_000;

/** Resolves `Authorization` headers to callers; one per isolate, with its credential caches. */
export interface Authenticator {
  /** The caller behind `Authorization: Bearer …`, or an {@link ApiError} (401) saying why not. */
  authenticate(authorization: string | undefined): Promise<Principal>;
  /** Forgets cached credentials (after this isolate revoked a key). */
  forget(): void;
}

/** The tenant directory's answers an authenticator needs (the Durable Object, in the Worker). */
export interface CredentialDirectory {
  /** The live key with this SHA-256 digest and its tenant, or null. */
  lookupApiKey(hash: string): Promise<{ readonly key: ApiKeyRecord; readonly tenant: TenantRecord } | null>;
  /** The tenant whose app tokens this issuer signs, or null. */
  findTenantByIssuer(issuer: string): Promise<TenantRecord | null>;
}

/** Where an {@link DirectoryAuthenticator} checks credentials. */
export interface AuthenticatorSources {
  /** The edge's own keys: they verify operator tokens. */
  readonly edgeKeys: () => Promise<EdgeKeys>;
  /** The tenant directory: API key digests and app-token issuers. */
  readonly tenants: () => CredentialDirectory;
  readonly now: () => number;
}

const refused = (message = 'the credentials were refused') =>
  new ApiError('invalid_credentials', message, {
    headers: { 'www-authenticate': 'Bearer realm="spillway"' },
  });

/**
 * Authenticates API keys, tenant app JWTs and operator JWTs against the tenant directory.
 * API-key callers are cached by their whole `Authorization` header (`null` for a well-formed key
 * the directory does not know): a hit skips parsing, hashing and the directory. Entries live
 * {@link CREDENTIAL_CACHE_MS} from the directory read, so revocation lands within that time. The
 * header is only a map key in this isolate's memory: never stored, logged or sent.
 */
export class DirectoryAuthenticator implements Authenticator {
  readonly #sources: AuthenticatorSources;
  readonly #apiKeyPrincipals = new ExpiringCache<Principal | null>(CREDENTIAL_CACHE_MS);
  readonly #issuers = new ExpiringCache<TenantRecord | null>(CREDENTIAL_CACHE_MS);

  constructor(sources: AuthenticatorSources) {
    this.#sources = sources;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const now = this.#sources.now();
    const recent = authorization === undefined ? undefined : this.#apiKeyPrincipals.peek(authorization, now);
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
        const principal = await this.#apiKeyPrincipals.getOrLoad(authorization ?? bearer.key, now, () =>
          this.#lookUpApiKey(bearer.key),
        );
        if (!principal) throw refused();
        return principal;
      }
      case 'jwt': {
        const operator = await verifyOperatorToken(bearer.token, await this.#sources.edgeKeys());
        if (operator.ok) return { kind: 'operator', subject: operator.claims.sub };
        const app = await verifyTenantAppToken(bearer.token, (issuer) =>
          this.#issuers.getOrLoad(issuer, now, () => this.#sources.tenants().findTenantByIssuer(issuer)),
        );
        if (!app.ok) throw refused();
        return { kind: 'tenant', tenant: app.tenant, via: 'app_token', subject: app.subject };
      }
    }
  }

  forget(): void {
    this.#apiKeyPrincipals.clear();
    this.#issuers.clear();
  }

  /** The directory's answer for a well-formed key: only its SHA-256 digest leaves this method. */
  async #lookUpApiKey(key: string): Promise<Principal | null> {
    const hash = await hashApiKey(key);
    const found = await this.#sources.tenants().lookupApiKey(hash);
    if (!found || !digestsEqual(found.key.hash, hash)) return null;
    return { kind: 'tenant', tenant: found.tenant, via: 'api_key', subject: found.key.id };
  }
}
