import { SignJWT } from 'jose';
import { setBounded } from '../../shared/bounded-map.ts';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';
import type { EdgeKeys } from './edge-keys.ts';

/** Lifetime of a dispatch token. */
export const dispatchTokenTtlSeconds = 120;
/** A cached token is reused only while it has more than this left. */
const MIN_REMAINING_SECONDS = 60;
const MAX_CACHED = 1024;

/** Signs the bearer token for one call to a pool: `(poolId, tenantId) => compact JWT`. */
export type DispatchSigner = (poolId: string, subject: string) => Promise<string>;

interface CachedToken {
  readonly token: Promise<string>;
  readonly expiresAt: number;
}

/**
 * Makes a signer of dispatch tokens: EdDSA, `typ` `spillway-dispatch+jwt`, `iss`
 * `spillway-edge`, `aud` the pool id, `sub` the tenant, `scope` `generate`, valid 120 s.
 * A token is cached per (pool, subject) and reused while it has more than 60 s left, so a busy
 * tenant costs one signature a minute per pool rather than one per request.
 *
 * @example
 * const sign = createDispatchSigner(await loadEdgeKeys(env.EDGE_SIGNING_KEY));
 * const token = await sign('pool-eu-1', 'acme');
 * await fetch(poolUrl, { headers: { authorization: `Bearer ${token}` } });
 */
export function createDispatchSigner(keys: EdgeKeys, now: () => number = () => Date.now()): DispatchSigner {
  const cache = new Map<string, CachedToken>();
  return (poolId, subject) => {
    const nowSeconds = Math.floor(now() / 1000);
    const cacheKey = JSON.stringify([poolId, subject]);
    const cached = cache.get(cacheKey);
    if (cached && cached.expiresAt - nowSeconds > MIN_REMAINING_SECONDS) return cached.token;

    const expiresAt = nowSeconds + dispatchTokenTtlSeconds;
    // The promise is cached, so concurrent requests for one pair share a single signature.
    const token = new SignJWT({ scope: 'generate' })
      .setProtectedHeader({ alg: keys.alg, typ: tokenTypes.dispatch, kid: keys.kid })
      .setIssuer(edgeIssuer)
      .setAudience(poolId)
      .setSubject(subject)
      .setIssuedAt(nowSeconds)
      .setExpirationTime(expiresAt)
      .sign(keys.privateKey);
    setBounded(cache, cacheKey, { token, expiresAt }, MAX_CACHED);
    token.catch(() => {
      if (cache.get(cacheKey)?.token === token) cache.delete(cacheKey);
    });
    return token;
  };
}
