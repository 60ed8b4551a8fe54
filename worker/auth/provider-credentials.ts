import { edgeVarNames } from '../config.ts';
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
/** Most providers an isolate remembers having warned about. */
const MAX_WARNED = 256;

/**
 * Prefixes of the edge's own secrets, present and future (a new edge secret takes `EDGE_`): what
 * the edge signs with and what providers' keys are sealed under must never go to a pool URL an
 * operator chose.
 */
const EDGE_SECRET_PREFIXES = ['EDGE_', 'PROVIDER_CREDENTIALS_'] as const;

// Every binding, var and secret of `Env` (worker-configuration.d.ts, generated from wrangler.toml
// and .dev.vars.example): keyed by `keyof Env`, so a binding or secret added there does not
// compile until it is listed here.
const WORKER_BINDINGS: Record<keyof Env, true> = {
  RESULTS: true,
  REQUEST_METRICS: true,
  JOB_QUEUE: true,
  TELEMETRY_TTL_MS: true,
  DEFAULT_MODEL: true,
  EDGE_SIGNING_KEY: true,
  EDGE_SIGNING_KEY_PREVIOUS: true,
  PROVIDER_CREDENTIALS_KEY: true,
  FLEET: true,
  TENANTS: true,
  JOBS: true,
  WAITING: true,
  LIMITS: true,
  STATS: true,
};

// With every var `worker/config.ts` reads, settings included: none is a provider's secret.
const edgeOwnNames: ReadonlySet<string> = new Set([...Object.keys(WORKER_BINDINGS), ...edgeVarNames]);

/**
 * Why `name` may not be a provider's `credentials_ref`, or null when it may. A provider's secret
 * may have any name (`OPENAI_KEY`, `FAL_KEY`) except the edge's own: names starting with `EDGE_`
 * or `PROVIDER_CREDENTIALS_`, and every binding and var the Worker reads. Checked when a provider
 * is registered and again before a secret is read, so a reference stored before the rule is never
 * followed.
 *
 * @example
 * credentialsRefRefusal('OPENAI_KEY'); // null
 * credentialsRefRefusal('EDGE_SIGNING_KEY'); // 'credentials_ref must name a secret set for …'
 */
export function credentialsRefRefusal(name: string): string | null {
  const own = edgeOwnNames.has(name) || EDGE_SECRET_PREFIXES.some((prefix) => name.startsWith(prefix));
  if (!own) return null;
  return (
    `credentials_ref must name a secret set for this provider (e.g. OPENAI_KEY), not one of the edge's own: ` +
    `${name} is reserved (EDGE_*, PROVIDER_CREDENTIALS_* and the Worker's bindings and vars are)`
  );
}

/**
 * The isolate's provider credentials: opens each sealed key once (AES-GCM) and keeps it in memory
 * for the isolate's life, keyed by the sealed value, so a rotated key is picked up with the next
 * snapshot and the old one simply stops being asked for. A provider with neither a sealed key nor
 * a secret gets '' (a server that needs no key). A `credentials_ref` that names one of the edge's
 * own secrets ({@link credentialsRefRefusal}) is never read. A secret that is missing or refused is
 * logged once per provider, by name. Never logs a credential.
 *
 * @example
 * const credentials = new ProviderCredentials(config.credentialsKeys, (name) => env[name]);
 * const apiKey = await credentials.credentialFor({ providerId: 'openai', sealed, secretName: null });
 */
export class ProviderCredentials {
  readonly #masterSecrets: string | readonly string[];
  readonly #secret: (name: string) => unknown;
  readonly #opened = new Map<string, Promise<string>>();
  readonly #warned = new Set<string>();

  /** `masterSecrets`: what sealed keys open with, in order (`EdgeConfig.credentialsKeys`). */
  constructor(masterSecrets: string | readonly string[], secret: (name: string) => unknown) {
    this.#masterSecrets = masterSecrets;
    this.#secret = secret;
  }

  /**
   * The key to send to the provider. Rejects with `CredentialUnreadableError` when a sealed key
   * does not open (the master secret changed), or an Error naming the secret when it is one of the
   * edge's own or not set.
   */
  credentialFor(source: ProviderCredentialSource): Promise<string> {
    if (source.sealed !== null) return this.#open(source.providerId, source.sealed);
    const name = source.secretName;
    if (name === null) return Promise.resolve('');
    if (credentialsRefRefusal(name) !== null) {
      return this.#refuse(source.providerId, name, "one of the edge's own, so it is not read");
    }
    const value = this.#secret(name);
    if (typeof value !== 'string' || value.length === 0) {
      return this.#refuse(source.providerId, name, 'which is not set');
    }
    return Promise.resolve(value);
  }

  #refuse(providerId: string, secretName: string, why: string): Promise<string> {
    const message = `provider ${providerId} names the secret ${secretName}, ${why}`;
    // Once per provider and secret: dispatch asks per request and probes every 2 s.
    const warnKey = `${providerId}\n${secretName}`;
    if (!this.#warned.has(warnKey)) {
      if (this.#warned.size >= MAX_WARNED) this.#warned.clear();
      this.#warned.add(warnKey);
      console.warn(
        JSON.stringify({ level: 'warn', msg: message, provider: providerId, secret_name: secretName }),
      );
    }
    return Promise.reject(new Error(message));
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
