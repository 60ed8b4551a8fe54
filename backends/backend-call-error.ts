import type { ErrorEnvelope, PiggybackedLoad } from '../shared/index.ts';

const marker = Symbol.for('spillway.backend-call-error');

/** Fields of a {@link BackendCallError}; see the class for their meaning. */
export interface BackendCallErrorInit {
  readonly message: string;
  readonly status: number | null;
  readonly code: string;
  readonly retryable: boolean;
  readonly workStarted: boolean;
  readonly retryAfterSeconds?: number | null;
  readonly load?: PiggybackedLoad | null;
  readonly envelope?: ErrorEnvelope | null;
  readonly cause?: unknown;
}

/**
 * The one error every adapter rejects with when a pool call fails (after vercel/ai
 * `APICallError`). Failover decides from `retryable` and `workStarted`; see
 * `backends/failure-policy.ts` for how statuses map onto them.
 *
 * @example
 * const failOver = BackendCallError.isInstance(error) && error.retryable; // else answer the client
 */
export class BackendCallError extends Error {
  /** HTTP status, or null when no response came (refused, reset, timed out, aborted). */
  readonly status: number | null;
  /**
   * The pool's envelope code when it sent one (`queue_full`, `invalid_request`, …), else one of
   * `connection_failed`, `deadline_exceeded`, `job_canceled`, `upstream_failed`.
   */
  readonly code: string;
  /** Another pool could serve the same request; false when it is the request's own fault. */
  readonly retryable: boolean;
  /** False only when we know the pool never started the job (no compute spent, nothing to cancel). */
  readonly workStarted: boolean;
  readonly retryAfterSeconds: number | null;
  readonly load: PiggybackedLoad | null;
  /** The pool's error envelope, when it sent a valid one. */
  readonly envelope: ErrorEnvelope | null;
  readonly [marker] = true;

  constructor(init: BackendCallErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'BackendCallError';
    this.status = init.status;
    this.code = init.code;
    this.retryable = init.retryable;
    this.workStarted = init.workStarted;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.load = init.load ?? null;
    this.envelope = init.envelope ?? null;
  }

  /** True for a BackendCallError, also one created by another copy of this module. */
  static isInstance(value: unknown): value is BackendCallError {
    return typeof value === 'object' && value !== null && marker in value;
  }
}
