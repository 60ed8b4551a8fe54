import { base64url } from 'jose';

/**
 * What a derived key is for. Each purpose gets an independent key (HKDF `info`), so a result-URL
 * signature can never pass as a webhook signature or a job id, and one tenant's webhook secret
 * says nothing about another's.
 */
export type DerivedKeyPurpose = 'result-url' | 'idempotent-job-id' | `webhook-secret:${string}`;

// RFC 5869: a fixed, public salt is fine; it only separates this use of the key material.
const salt = new TextEncoder().encode('spillway edge derived keys v1');
const cache = new Map<string, Promise<Uint8Array>>();
const MAX_CACHED = 256;

/**
 * Derives 32 secret bytes for `purpose` from the `EDGE_SIGNING_KEY` secret (the Ed25519 private
 * scalar `d` is the HKDF input key material), so results, webhooks and idempotent job ids need no
 * secret of their own. Rotating `EDGE_SIGNING_KEY` rotates every derived key with it; while
 * `EDGE_SIGNING_KEY_PREVIOUS` is set, verifiers also try the keys derived from it
 * (`EdgeConfig.edgeSigningKeys`).
 * Throws an Error naming the problem (never the secret) when the secret is unusable.
 *
 * @example
 * const bytes = await deriveKeyBytes(env.EDGE_SIGNING_KEY, 'result-url');
 */
export function deriveKeyBytes(edgeSigningKey: string, purpose: DerivedKeyPurpose): Promise<Uint8Array> {
  const cacheKey = `${purpose}\n${edgeSigningKey}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  if (cache.size >= MAX_CACHED) cache.clear();
  const deriving = derive(edgeSigningKey, purpose);
  cache.set(cacheKey, deriving);
  deriving.catch(() => cache.delete(cacheKey));
  return deriving;
}

/**
 * An HMAC-SHA256 key for `purpose`, ready for `crypto.subtle.sign` / `verify`.
 * @example
 * const key = await derivedHmacKey(env.EDGE_SIGNING_KEY, 'result-url');
 */
export async function derivedHmacKey(edgeSigningKey: string, purpose: DerivedKeyPurpose): Promise<CryptoKey> {
  return hmacKey(await deriveKeyBytes(edgeSigningKey, purpose));
}

/** Imports raw bytes as an HMAC-SHA256 key. */
export function hmacKey(bytes: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

async function derive(edgeSigningKey: string, purpose: DerivedKeyPurpose): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey('raw', privateScalar(edgeSigningKey), 'HKDF', false, [
    'deriveBits',
  ]);
  const info = new TextEncoder().encode(purpose);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, material, 256);
  return new Uint8Array(bits);
}

function privateScalar(edgeSigningKey: string): Uint8Array {
  let parsed: unknown;
  try {
    parsed = JSON.parse(edgeSigningKey);
  } catch {
    throw new Error('EDGE_SIGNING_KEY is not valid JSON (expected a private Ed25519 JWK)');
  }
  const d = typeof parsed === 'object' && parsed !== null && 'd' in parsed ? parsed.d : undefined;
  if (typeof d !== 'string' || d.length === 0) throw new Error('EDGE_SIGNING_KEY has no private "d"');
  return base64url.decode(d);
}
