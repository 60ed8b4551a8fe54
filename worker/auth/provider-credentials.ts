import { openCredential } from './credential-sealing.ts';

/** Where a provider's credential lives, as the fleet snapshot says. */
export interface ProviderCredentialSource {
  readonly providerId: string;
  /** The API key sealed by the edge (`sealCredential`), or null. */
  readonly sealed: string | null;
  /** Name of a Worker secret holding the key, or null. */
  readonly secretName: string | null;
}

/** Most opened credentials an isolate keeps. */
const MAX_OPENED = 256;

/**
 * The isolate's provider credentials: opens each sealed key once (AES-GCM) and keeps it in memory
 * for the isolate's life, keyed by the sealed value, so a rotated key is picked up with the next
 * snapshot and the old one simply stops being asked for. A provider with neither a sealed key nor
 * a secret gets '' (a server that needs no key). Never logs a credential.
 *
 * @example
 * const credentials = new ProviderCredentials(config.credentialsKeys, (name) => env[name]);
 * const apiKey = await credentials.credentialFor({ providerId: 'openai', sealed, secretName: null });
 */
export class ProviderCredentials {
  readonly #masterSecrets: string | readonly string[];
  readonly #secret: (name: string) => unknown;
  readonly #opened = new Map<string, Promise<string>>();

  /** `masterSecrets`: what sealed keys open with, in order (`EdgeConfig.credentialsKeys`). */
  constructor(masterSecrets: string | readonly string[], secret: (name: string) => unknown) {
    this.#masterSecrets = masterSecrets;
    this.#secret = secret;
  }

  /**
   * The key to send to the provider. Rejects with `CredentialUnreadableError` when a sealed key
   * does not open (the master secret changed), or an Error naming the missing secret.
   */
  credentialFor(source: ProviderCredentialSource): Promise<string> {
    if (source.sealed !== null) return this.#open(source.providerId, source.sealed);
    if (source.secretName === null) return Promise.resolve('');
    const value = this.#secret(source.secretName);
    if (typeof value !== 'string' || value.length === 0) {
      return Promise.reject(
        new Error(`provider ${source.providerId} names the secret ${source.secretName}, which is not set`),
      );
    }
    return Promise.resolve(value);
  }

  #open(providerId: string, sealed: string): Promise<string> {
    const cacheKey = `${providerId}\n${sealed}`;
    let opened = this.#opened.get(cacheKey);
    if (!opened) {
      if (this.#opened.size >= MAX_OPENED) this.#opened.clear();
      opened = openCredential(this.#masterSecrets, providerId, sealed);
      this.#opened.set(cacheKey, opened);
      opened.catch(() => this.#opened.delete(cacheKey));
    }
    return opened;
  }
}
