import { base64url } from 'jose';

/** Format tag of a sealed credential: AES-256-GCM, 96-bit IV, key from HKDF-SHA256. */
const FORMAT = 'v1';
/** Shortest master secret accepted: 256 bits of hex or base64 text. */
const MIN_MASTER_LENGTH = 32;
// RFC 5869: a fixed, public salt only separates this use of the master secret.
const salt = new TextEncoder().encode('spillway provider credentials v1');
const keys = new Map<string, Promise<CryptoKey>>();

/**
 * Seals a provider's API key for storage: AES-256-GCM under a key derived (HKDF-SHA256) from
 * `masterSecret`, with the provider id as additional data, so a sealed key copied onto another
 * provider's row does not open. The result is `v1.<iv>.<ciphertext>` (base64url) and holds nothing
 * readable. Throws an Error naming the problem, never the secret, when `masterSecret` is unusable.
 *
 * @example
 * const sealed = await sealCredential(config.credentialsKey, 'openai', 'sk-…');
 * const apiKey = await openCredential(config.credentialsKey, 'openai', sealed);
 */
export async function sealCredential(
  masterSecret: string,
  providerId: string,
  apiKey: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(providerId) },
    await sealingKey(masterSecret),
    new TextEncoder().encode(apiKey),
  );
  return [FORMAT, base64url.encode(iv), base64url.encode(new Uint8Array(sealed))].join('.');
}

/**
 * Opens what {@link sealCredential} sealed for the same provider, trying each master secret in
 * order (the current one, then those it replaced, so a key rotation does not orphan stored
 * credentials), or throws {@link CredentialUnreadableError} (no secret opens it, another provider,
 * a damaged value).
 */
export async function openCredential(
  masterSecrets: string | readonly string[],
  providerId: string,
  sealed: string,
): Promise<string> {
  const [format, iv, ciphertext, extra] = sealed.split('.');
  if (format !== FORMAT || !iv || !ciphertext || extra !== undefined) {
    throw new CredentialUnreadableError(providerId, 'unknown format');
  }
  for (const masterSecret of typeof masterSecrets === 'string' ? [masterSecrets] : masterSecrets) {
    try {
      const opened = await crypto.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: base64url.decode(iv),
          additionalData: new TextEncoder().encode(providerId),
        },
        await sealingKey(masterSecret),
        base64url.decode(ciphertext),
      );
      return new TextDecoder().decode(opened);
    } catch {
      // Not this secret (or a damaged value): the next one may open it.
    }
  }
  throw new CredentialUnreadableError(providerId, 'it does not open with the current key');
}

/** A stored credential the edge cannot open; the message names the provider, never a secret. */
export class CredentialUnreadableError extends Error {
  constructor(providerId: string, why: string) {
    super(`the stored credentials of provider ${providerId} cannot be read (${why}); set them again`);
    this.name = 'CredentialUnreadableError';
  }
}

function sealingKey(masterSecret: string): Promise<CryptoKey> {
  if (masterSecret.length < MIN_MASTER_LENGTH) {
    throw new Error(`the credentials key must be at least ${MIN_MASTER_LENGTH} characters`);
  }
  let key = keys.get(masterSecret);
  if (!key) {
    key = derive(masterSecret);
    keys.set(masterSecret, key);
    key.catch(() => keys.delete(masterSecret));
  }
  return key;
}

async function derive(masterSecret: string): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(masterSecret),
    'HKDF',
    false,
    ['deriveKey'],
  );
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt, info: new TextEncoder().encode('provider-credentials') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}
