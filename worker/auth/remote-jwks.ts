import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { setBounded } from '../../shared/bounded-map.ts';
import { appTokenJwkSchema } from '../../shared/index.ts';

/** How long a fetched key set is used before it is fetched again. */
export const JWKS_MAX_AGE_MS = 10 * 60 * 1000;
/** How long a key set is still used while its issuer cannot be reached (an outage of the IdP). */
export const JWKS_STALE_IF_ERROR_MS = 24 * 60 * 60 * 1000;
/** Least time between two fetches of one set for an unknown `kid` (a rotation): tokens cannot force more. */
export const JWKS_COOLDOWN_MS = 30 * 1000;
/** One fetch's time limit. */
const FETCH_TIMEOUT_MS = 3_000;
/** Largest key set read: identity providers publish a few keys of a few KiB. */
const MAX_JWKS_BYTES = 64 * 1024;
/** Key-set URLs one isolate remembers. */
const MAX_SETS = 1_000;

/** The key set could not be fetched and no usable copy is held: the token is neither good nor bad. */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}

interface HeldSet {
  readonly getKey: JWTVerifyGetKey;
  readonly fetchedAt: number;
}

interface SetState {
  held?: HeldSet;
  lastAttemptAt?: number;
  pending?: Promise<HeldSet>;
}

/**
 * Tenants' app-token key sets fetched from their issuers' `jwks_uri`, as identity providers that
 * rotate their signing keys (Firebase, Auth0, Cognito) expect relying parties to: each set is kept
 * {@link JWKS_MAX_AGE_MS} per isolate, fetched again at most every {@link JWKS_COOLDOWN_MS} for a
 * `kid` it lacks, and still used for a day while its issuer is unreachable. Only keys the edge can
 * verify with (RSA ≥ 2048, P-256, Ed25519, each with a `kid`) are kept; others (`use: "enc"`,
 * other curves) are skipped. The URL is the operator's, checked at registration; never a token's
 * `jku`.
 *
 * @example
 * const keys = new RemoteJwks(fetch, Date.now);
 * const getKey = await keys.getKeyFor('https://id.example/.well-known/jwks.json'); // for jose's jwtVerify
 */
export class RemoteJwks {
  readonly #sets = new Map<string, SetState>();
  readonly #fetch: typeof fetch;
  readonly #now: () => number;

  constructor(fetcher: typeof fetch, now: () => number) {
    this.#fetch = fetcher;
    this.#now = now;
  }

  /**
   * A key getter for `jose.jwtVerify` over the set at `url`: fresh, fetched, or (issuer down) the
   * last good one. A `kid` the set lacks triggers one more fetch, cooldown permitting.
   * @throws KeysUnavailableError when no usable set can be had.
   */
  async getKeyFor(url: string): Promise<JWTVerifyGetKey> {
    const state = this.#state(url);
    const now = this.#now();
    const held = state.held;
    const current =
      held && now - held.fetchedAt < JWKS_MAX_AGE_MS ? held : await this.#refresh(url, state, held);
    return async (header, token) => {
      try {
        return await current.getKey(header, token);
      } catch (error) {
        if (!(error instanceof errors.JWKSNoMatchingKey) || !this.#mayRefetch(state)) throw error;
        const next = await this.#refresh(url, state, current);
        return next.getKey(header, token);
      }
    };
  }

  #state(url: string): SetState {
    const existing = this.#sets.get(url);
    if (existing) return existing;
    const created: SetState = {};
    setBounded(this.#sets, url, created, MAX_SETS);
    return created;
  }

  #mayRefetch(state: SetState): boolean {
    return state.lastAttemptAt === undefined || this.#now() - state.lastAttemptAt >= JWKS_COOLDOWN_MS;
  }

  /** Fetches the set (one fetch at a time per URL); on failure falls back to `fallback` while it is young enough. */
  async #refresh(url: string, state: SetState, fallback: HeldSet | undefined): Promise<HeldSet> {
    if (state.pending === undefined) {
      state.lastAttemptAt = this.#now();
      state.pending = this.#fetchSet(url).finally(() => {
        state.pending = undefined;
      });
    }
    try {
      const fetched = await state.pending;
      state.held = fetched;
      return fetched;
    } catch (error) {
      if (fallback && this.#now() - fallback.fetchedAt < JWKS_STALE_IF_ERROR_MS) return fallback;
      throw error instanceof KeysUnavailableError ? error : new KeysUnavailableError(String(error));
    }
  }

  async #fetchSet(url: string): Promise<HeldSet> {
    return { getKey: createLocalJWKSet(await fetchKeySet(url, this.#fetch)), fetchedAt: this.#now() };
  }
}

/**
 * Fetches the key set at `url` (no redirects, 3 s, 64 KiB at most) and keeps the keys the edge can
 * verify with. Registration calls it too, so a wrong `jwks_uri` is refused when it is given.
 * @throws KeysUnavailableError saying why (no answer, the status, no usable key).
 */
export async function fetchKeySet(url: string, fetcher: typeof fetch): Promise<JSONWebKeySet> {
  let response: Response;
  try {
    response = await fetcher(url, {
      headers: { accept: 'application/jwk-set+json, application/json' },
      redirect: 'manual',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new KeysUnavailableError(`no answer (${error instanceof Error ? error.name : 'fetch failed'})`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new KeysUnavailableError(`it answered ${response.status}`);
  }
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_JWKS_BYTES) {
    await response.body?.cancel();
    throw new KeysUnavailableError('the key set is over 64 KiB');
  }
  const text = await response.text();
  if (text.length > MAX_JWKS_BYTES) throw new KeysUnavailableError('the key set is over 64 KiB');
  const set = usableKeySet(text);
  if (set.keys.length === 0)
    throw new KeysUnavailableError(
      'it holds no key to verify with (RSA ≥ 2048, P-256 or Ed25519, each with a kid)',
    );
  return set;
}

/** The keys of a JWKS document the edge can verify with; none if it is not one. */
export function usableKeySet(text: string): JSONWebKeySet {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return { keys: [] };
  }
  const keys =
    typeof document === 'object' && document !== null ? (document as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(keys)) return { keys: [] };
  return {
    keys: keys.filter((key) => {
      const use = (key as { use?: unknown } | null)?.use;
      return (use === undefined || use === 'sig') && appTokenJwkSchema.safeParse(key).success;
    }),
  };
}
