import type { GenerationRequest } from '../../shared/index.ts';
import type { ImageBackend } from '../backend.ts';

/** A pool the suite may call, with a credential it accepts. */
export interface ConformancePool {
  readonly url: string;
  readonly token: string;
}

/** The behaviours every adapter is checked for; every adapter must pass them all. */
export const conformanceCases = [
  'generates',
  'b64-regardless-of-format',
  'idempotent-job-id',
  'client-error',
  'refused-credentials',
  'connection-refused',
  'saturated',
  'deadline',
  'caller-abort',
  'cancel-running',
  'cancel-unknown',
  'redirect-not-followed',
  'redirect-any-3xx',
] as const;

/** One of {@link conformanceCases}. */
export type ConformanceCase = (typeof conformanceCases)[number];

/** What an adapter's test provides to {@link runBackendConformance}. */
export interface ConformanceFixture {
  readonly backend: ImageBackend;
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
  /** Brings a pool to refuse new work for capacity; `release` undoes it. */
  readonly saturate: () => Promise<{
    readonly pool: ConformancePool;
    readonly release: () => Promise<void>;
  }>;
}
