import { importJWK, type JWK } from 'jose';

/** The edge's signing key pair, imported once per isolate. */
export interface EdgeKeys {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public half, safe to publish (for example as a JWKS for gpu-node). */
  readonly publicJwk: JWK;
  readonly kid: string;
  readonly alg: 'EdDSA';
}

// Keyed by the secret itself so a rotated secret is imported afresh; a second entry
// only appears during a rotation.
const cache = new Map<string, Promise<EdgeKeys>>();
const MAX_CACHED = 4;

/**
 * Imports the `EDGE_SIGNING_KEY` secret (a private Ed25519 JWK with a `kid`) once per isolate.
 * Throws an Error naming the problem (never the secret) when it is missing or invalid: that is a
 * deployment error, not a request error.
 *
 * @example
 * const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY);
 * const sign = createDispatchSigner(keys);
 */
export function loadEdgeKeys(secretJwkJson: string): Promise<EdgeKeys> {
  const cached = cache.get(secretJwkJson);
  if (cached) return cached;
  if (cache.size >= MAX_CACHED) cache.clear();
  const loading = importEdgeKeys(secretJwkJson);
  cache.set(secretJwkJson, loading);
  loading.catch(() => cache.delete(secretJwkJson));
  return loading;
}

async function importEdgeKeys(secretJwkJson: string): Promise<EdgeKeys> {
  const jwk = parseSecret(secretJwkJson);
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new Error('EDGE_SIGNING_KEY must have a "kid" so pools can pick the key');
  }
  // Built field by field rather than by deleting `d`, so no other private field can leak.
  const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid, alg: 'EdDSA', use: 'sig' };
  try {
    const privateKey = await importJWK({ ...jwk, alg: 'EdDSA' }, 'EdDSA');
    const publicKey = await importJWK(publicJwk, 'EdDSA');
    if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) {
      throw new Error('not an asymmetric key');
    }
    return { privateKey, publicKey, publicJwk, kid, alg: 'EdDSA' };
  } catch (cause) {
    throw new Error('EDGE_SIGNING_KEY could not be imported as an Ed25519 private key', { cause });
  }
}

function parseSecret(secretJwkJson: string): JWK {
  if (!secretJwkJson) throw new Error('EDGE_SIGNING_KEY is not set');
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretJwkJson);
  } catch {
    throw new Error('EDGE_SIGNING_KEY is not valid JSON (expected a private Ed25519 JWK)');
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new Error('EDGE_SIGNING_KEY must be a JWK object');
  }
  const jwk = parsed as JWK;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    throw new Error('EDGE_SIGNING_KEY must be an Ed25519 JWK (kty "OKP", crv "Ed25519")');
  }
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new Error('EDGE_SIGNING_KEY must be a private JWK with "x" and "d"');
  }
  return jwk;
}
