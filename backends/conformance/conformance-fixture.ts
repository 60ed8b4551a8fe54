import type { GenerationRequest } from '../../shared/index.ts';
import type { FetchFunction, ImageBackend, PoolUpstream } from '../backend.ts';

/** A pool the suite may call, with a credential it accepts. */
export interface ConformancePool {
  readonly url: string;
  readonly token: string;
  /** The pool's registration settings, passed on every call, cancel and probe. */
  readonly upstream?: PoolUpstream;
}

/** A pool the fixture has put into some state, and how to undo it. */
export interface HeldPool {
  readonly pool: ConformancePool;
  /** Undoes the state and resolves once the pool is back to normal (idle). */
  readonly release: () => Promise<void>;
}

/**
 * Where an adapter exposes a pool's load, so the `load-signal` case checks that channel:
 * - `piggyback`: `result.load` on a success, `error.load` on a refusal (gpu-node's headers,
 *   OpenAI's rate-limit headers);
 * - `probe`: `probe()` figures, `queued`/`running` (Triton's metrics);
 * - `progress`: `onProgress` `queued` positions (fal's `queue_position`).
 */
export type LoadSignal = 'piggyback' | 'probe' | 'progress';

/** The behaviours every adapter is checked for; every adapter must pass them all. */
export const conformanceCases = [
  'generates',
  'b64-regardless-of-format',
  'idempotent-job-id',
  'client-error',
  'refused-credentials',
  'connection-refused',
  'saturated',
  'rate-limited',
  'deadline',
  'caller-abort',
  'cancel-running',
  'cancel-unknown',
  'redirect-not-followed',
  'redirect-any-3xx',
  'credential-injection',
  'no-credential-leak',
  'load-signal',
] as const;

/** One of {@link conformanceCases}. */
export type ConformanceCase = (typeof conformanceCases)[number];

/**
 * What an adapter's test provides to `runBackendConformance`. The pools it hands out are real
 * servers on 127.0.0.1 (gpu-node itself, or a local server speaking the provider's documented
 * protocol); see `README.md` beside this file.
 */
export interface ConformanceFixture {
  readonly backend: ImageBackend;
  /** The adapter under test built with `send` as its fetch, otherwise configured as `backend`. */
  readonly backendWith: (send: FetchFunction) => ImageBackend;
  /** The `Authorization` header value the protocol carries `token` in: `Bearer t`, `Key t`, … */
  readonly authorization: (token: string) => string;
  /** A pool that serves `request` promptly and is never saturated by the suite. */
  readonly pool: ConformancePool;
  /** A quick, valid request (parsed, defaults applied). */
  readonly request: GenerationRequest;
  /** Valid by the shared schema, refused by the pool as the client's fault (400). */
  readonly invalidRequest: GenerationRequest;
  /** A request that keeps `pool` busy for well over a second. */
  readonly slowRequest: GenerationRequest;
  /** A credential `pool` refuses. */
  readonly refusedToken: string;
  /** A URL on which nothing listens. */
  readonly closedUrl: string;
  /** Brings a pool to refuse new work for capacity (429 or 503); `release` undoes it. */
  readonly saturate: () => Promise<HeldPool>;
  /** A pool that answers every generation with 429 and `Retry-After: 2`; `release` undoes it. */
  readonly rateLimited: () => Promise<HeldPool>;
  /** The channel the adapter exposes load through (checked by `load-signal`). */
  readonly loadSignal: LoadSignal;
  /**
   * Holds a pool busy, work queued or running at it, while the pool still answers: the suite
   * calls it (or probes it) meanwhile and expects load; after `release` it expects none.
   */
  readonly busy: () => Promise<HeldPool>;
}
