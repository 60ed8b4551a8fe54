import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, type JSONWebKeySet, type JWK } from 'jose';

/** Signature algorithms Spillway accepts; never `none`, never a shared secret. */
export const asymmetricAlgorithms = ['ES256', 'EdDSA'] as const;
/** One of {@link asymmetricAlgorithms}. */
export type AsymmetricAlgorithm = (typeof asymmetricAlgorithms)[number];

/** A verification key: one key, or a key set resolved by `kid`. */
export type VerificationKey = KeyObject | ReturnType<typeof createLocalJWKSet>;

/** Reads a public key file: PEM (SPKI), one JWK, or a JWKS (`{"keys": [...]}`). */
export async function readVerificationKey(path: string): Promise<VerificationKey> {
  const text = (await readFile(path, 'utf8')).trim();
  if (text.startsWith('-----BEGIN')) return createPublicKey(text);
  const parsed = JSON.parse(text) as JWK | JSONWebKeySet;
  if ('keys' in parsed && Array.isArray(parsed.keys)) return createLocalJWKSet(parsed);
  return createPublicKey({ key: parsed as JWK & { kty: string }, format: 'jwk' });
}

/** Reads a private key file: PEM (PKCS#8 or SEC1) or a JWK. */
export async function readSigningKey(path: string): Promise<KeyObject> {
  const text = (await readFile(path, 'utf8')).trim();
  if (text.startsWith('-----BEGIN')) return createPrivateKey(text);
  return createPrivateKey({ key: JSON.parse(text) as JWK & { kty: string }, format: 'jwk' });
}

/** The JWS algorithm a key signs with; throws for key types Spillway does not accept. */
export function algorithmForKey(key: KeyObject): AsymmetricAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`unsupported key type ${key.asymmetricKeyType ?? 'unknown'}: use an Ed25519 or P-256 key`);
}
