import { errors, importJWK, type JWK, type JWTHeaderParameters } from 'jose';

/** One of the edge's Ed25519 key pairs, named by its `kid`. */
export interface EdgeKey {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
  /** The public half, safe to publish (for example as a JWKS for gpu-node). */
  readonly publicJwk: JWK;
  readonly kid: string;
  readonly alg: 'EdDSA';
}

/**
 * The edge's keys: the fields of {@link EdgeKey} are the current key (`EDGE_SIGNING_KEY`), which
 * signs everything; during a rotation the other key (`EDGE_SIGNING_KEY_PREVIOUS`) still verifies.
 */
export interface EdgeKeys extends EdgeKey {
  /** Every key a token of this edge may be signed with, by `kid`: the current one first. */
  readonly verificationKeys: ReadonlyMap<string, EdgeKey>;
  /** What `GET /.well-known/jwks.json` publishes: the public half of each verification key. */
  readonly jwks: { readonly keys: readonly JWK[] };
}

// Keyed by the secrets themselves so a rotated secret is imported afresh; a second entry
// only appears during a rotation.
const cache = new Map<string, Promise<EdgeKeys>>();
const MAX_CACHED = 4;

/**
 * Imports the `EDGE_SIGNING_KEY` secret (a private Ed25519 JWK with a `kid`) and, during a
 * rotation, `EDGE_SIGNING_KEY_PREVIOUS` (another private Ed25519 JWK with another `kid`), once per
 * isolate. Throws an Error naming the problem and the secret (never its value) when one is invalid:
 * that is a deployment error, not a request error.
 *
 * @example
 * const keys = await loadEdgeKeys(env.EDGE_SIGNING_KEY, env.EDGE_SIGNING_KEY_PREVIOUS);
 * const sign = createDispatchSigner(keys);
 */
export function loadEdgeKeys(current: string, previous?: string | null): Promise<EdgeKeys> {
  const cacheKey = previous ? `${current}\n${previous}` : current;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  if (cache.size >= MAX_CACHED) cache.clear();
  const loading = importEdgeKeys(current, previous || null);
  cache.set(cacheKey, loading);
  loading.catch(() => cache.delete(cacheKey));
  return loading;
}

/**
 * The public key that verifies a token with this protected header: the one its `kid` names, or the
 * current key when the token names none. Throws jose's `JWKSNoMatchingKey` for an unknown `kid`,
 * so it can be handed to `jwtVerify` as is.
 *
 * @example
 * const key = edgeVerificationKey(keys, { kid: 'edge-2026-12' }); // for jose's jwtVerify
 */
export function edgeVerificationKey(keys: EdgeKeys, header: Pick<JWTHeaderParameters, 'kid'>): CryptoKey {
  if (header.kid === undefined) return keys.publicKey;
  const key = keys.verificationKeys.get(header.kid);
  if (!key) throw new errors.JWKSNoMatchingKey();
  return key.publicKey;
}

async function importEdgeKeys(current: string, previous: string | null): Promise<EdgeKeys> {
  const signing = await importEdgeKey(current, 'EDGE_SIGNING_KEY');
  const verificationKeys = new Map([[signing.kid, signing]]);
  if (previous !== null) {
    const other = await importEdgeKey(previous, 'EDGE_SIGNING_KEY_PREVIOUS');
    // Pools pick the key by `kid`: two keys under one name would make half the tokens fail.
    if (other.kid === signing.kid) {
      throw new Error('EDGE_SIGNING_KEY_PREVIOUS must have a "kid" other than EDGE_SIGNING_KEY\'s');
    }
    verificationKeys.set(other.kid, other);
  }
  const jwks = { keys: [...verificationKeys.values()].map((key) => key.publicJwk) };
  return { ...signing, verificationKeys, jwks };
}

async function importEdgeKey(secretJwkJson: string, name: string): Promise<EdgeKey> {
  const jwk = parseSecret(secretJwkJson, name);
  const kid = jwk.kid;
  if (typeof kid !== 'string' || kid.length === 0) {
    throw new Error(`${name} must have a "kid" so pools can pick the key`);
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
    throw new Error(`${name} could not be imported as an Ed25519 private key`, { cause });
  }
}

function parseSecret(secretJwkJson: string, name: string): JWK {
  if (!secretJwkJson) throw new Error(`${name} is not set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretJwkJson);
  } catch {
    throw new Error(`${name} is not valid JSON (expected a private Ed25519 JWK)`);
  }
  if (typeof parsed !== 'object' || parsed === null) {
    throw new Error(`${name} must be a JWK object`);
  }
  const jwk = parsed as JWK;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    throw new Error(`${name} must be an Ed25519 JWK (kty "OKP", crv "Ed25519")`);
  }
  if (typeof jwk.x !== 'string' || typeof jwk.d !== 'string') {
    throw new Error(`${name} must be a private JWK with "x" and "d"`);
  }
  return jwk;
}
