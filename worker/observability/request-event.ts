import type { ErrorCode } from '../../shared/index.ts';
import type { AdmissionSource } from '../admission/admission-verdict.ts';

/** Which kind of work an observed event is. */
export type ObservedRoute =
  /** `POST /v1/images/generations`: a sync generation, dispatched inside the request. */
  | 'generation'
  /** `POST /v1/jobs`: an async job submitted (its dispatch is a `job_dispatch`). */
  | 'job_submit'
  /** The queue consumer's dispatch of one claimed job. */
  | 'job_dispatch';

/** One pool call of a request: which pool and how it ended (`AttemptOutcome`). */
export interface ObservedAttempt {
  readonly poolId: string;
  readonly providerId: string;
  readonly outcome: string;
}

/**
 * The facts of one finished request or job dispatch, as the log line, the Analytics Engine data
 * point and the stats all see them. Never a prompt, an image or a credential.
 */
export interface RequestEvent {
  /** Epoch ms at which it finished. */
  readonly at: number;
  /** The edge's request id, or the job id for a job dispatch. */
  readonly requestId: string;
  readonly route: ObservedRoute;
  readonly tenantId: string | null;
  readonly tier: string | null;
  readonly model: string | null;
  /** The pool that answered, or the last one tried; null when none was called. */
  readonly poolId: string | null;
  readonly providerId: string | null;
  readonly attempts: readonly ObservedAttempt[];
  /** A hedged copy was sent to a second pool. */
  readonly hedged: boolean;
  /**
   * HTTP status the client got (a job dispatch: 200, or its failure's status); a cancel counts as
   * {@link CANCELED_STATUS} (the caller left, or canceled its job).
   */
  readonly status: number;
  /** The error envelope's code; null on success. */
  readonly code: string | null;
  readonly latencyMs: number;
  /** Megapixel-steps (`shared/work.ts`); null when routing could not resolve it. */
  readonly work: number | null;
  /** How its tenant's limits were checked, when they were (`AdmissionSource`). */
  readonly admission?: AdmissionSource;
  readonly traceId: string;
}

/** nginx's "client closed request": the status a cancel counts with, whatever the route answered. */
export const CANCELED_STATUS = 499;

/** The error code of a canceled generation (its client hung up) or job dispatch (its job canceled). */
export const CANCELED_CODE = 'job_canceled' satisfies ErrorCode;

/**
 * How the stats classify a status: served, shed (429/503 refusals), canceled by its client, or an
 * error.
 */
export type OutcomeClass = 'ok' | 'shed' | 'canceled' | 'error';

/** Error codes that mean the request was turned away for load, not failed. */
const SHED_CODES: ReadonlySet<string> = new Set(['rate_limited', 'no_capacity']);

/** The {@link OutcomeClass} of an event. */
export function outcomeClassOf(event: Pick<RequestEvent, 'status' | 'code'>): OutcomeClass {
  if (event.status >= 200 && event.status < 300) return 'ok';
  if (event.code === CANCELED_CODE) return 'canceled';
  return event.code !== null && SHED_CODES.has(event.code) ? 'shed' : 'error';
}

/**
 * The event as it is counted: a cancel with {@link CANCELED_STATUS}, as the sync route answers a
 * client that hung up with the envelope's 409 nobody reads.
 */
export function countedEvent(event: RequestEvent): RequestEvent {
  return event.code === CANCELED_CODE && event.status !== CANCELED_STATUS
    ? { ...event, status: CANCELED_STATUS }
    : event;
}
