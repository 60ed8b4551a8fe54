/**
 * Supplies a bearer token (a short-lived JWT from your backend). Called before each request;
 * after a 401 it is called once more with `forceRefresh: true` and the request is retried.
 * Cache the token yourself and refresh it only when asked or when it is about to expire.
 */
export type TokenProvider = (context: {
  forceRefresh: boolean;
  signal?: AbortSignal;
}) => string | Promise<string>;

/** Client configuration. */
export interface SpillwayOptions {
  /** Spillway endpoint, e.g. `https://api.example.com` (no trailing `/v1`). */
  baseUrl: string;
  /** A tenant API key (servers only: never ship one in an app). */
  apiKey?: string;
  /** Short-lived tokens for apps; takes precedence over `apiKey`. */
  tokenProvider?: TokenProvider;
  /** A fetch implementation; defaults to `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Retries after the first attempt (default 2: at most 3 attempts, as Google SRE advises). */
  maxRetries?: number;
  /** Full-jitter backoff base and cap in ms (defaults 500 and 8,000). */
  retryBaseMs?: number;
  retryCapMs?: number;
  /** A `Retry-After` longer than this many seconds is not waited out (default 60). */
  maxRetryAfterSeconds?: number;
  /** Per-attempt timeout in ms until the response headers and JSON body arrive (default 120,000). */
  timeoutMs?: number;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** `Prefer: wait=N` seconds for long-polls (default 20). */
  pollWaitSeconds?: number;
  /** Least time between the starts of two polls, in ms (default 1,000); long-polls take longer anyway. */
  pollIntervalMs?: number;
  /**
   * An SSE connection silent this long (ms) is presumed dead and reopened (default 60,000; the
   * Worker sends a keep-alive comment every 25 s).
   */
  streamIdleTimeoutMs?: number;
  /** Use SSE in `stream()` where the runtime can read a response body as a stream (default true). */
  streaming?: boolean;
  /** Source of randomness for jitter, in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** Per-call options. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call. */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Extra headers for this call. */
  headers?: Record<string, string>;
}

/** Options of calls that create something: the idempotency key is reused across retries. */
export interface CreateOptions extends RequestOptions {
  /** Defaults to a fresh random UUID per call. */
  idempotencyKey?: string;
}

/** Options with every default filled in. */
export type ResolvedOptions = Required<Omit<SpillwayOptions, 'apiKey' | 'tokenProvider'>> &
  Pick<SpillwayOptions, 'apiKey' | 'tokenProvider'>;

/** Fills defaults at construction time, never at module load; `undefined` means the default. */
export function resolveOptions(options: SpillwayOptions): ResolvedOptions {
  const fetchImplementation = options.fetch ?? globalThis.fetch;
  return {
    apiKey: options.apiKey,
    tokenProvider: options.tokenProvider,
    baseUrl: options.baseUrl.replace(/\/+$/, ''),
    // Unbound `fetch` throws "Illegal invocation" in browsers.
    fetch: (input, init) => fetchImplementation(input, init),
    maxRetries: options.maxRetries ?? 2,
    retryBaseMs: options.retryBaseMs ?? 500,
    retryCapMs: options.retryCapMs ?? 8_000,
    maxRetryAfterSeconds: options.maxRetryAfterSeconds ?? 60,
    timeoutMs: options.timeoutMs ?? 120_000,
    headers: options.headers ?? {},
    pollWaitSeconds: options.pollWaitSeconds ?? 20,
    pollIntervalMs: options.pollIntervalMs ?? 1_000,
    streaming: options.streaming ?? true,
    streamIdleTimeoutMs: options.streamIdleTimeoutMs ?? 60_000,
    random: options.random ?? Math.random,
  };
}
