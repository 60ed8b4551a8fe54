import type { BackendProgress } from '../../backends/index.ts';
import type { GenerationRequest } from '../../shared/index.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import type { DispatchServices } from './dispatch-services.ts';
import type { AttemptRecord, DispatchCandidate, DispatchObserver, DispatchResult } from './dispatch-types.ts';

/** Inputs of `routeAndDispatch`. */
export interface RouteAndDispatchInput {
  readonly services: DispatchServices;
  readonly tenant: RoutingTenant;
  /** Already normalised by `tenantRequest`. */
  readonly request: GenerationRequest;
  /** Idempotency key towards the pools: a repeated id joins the same job on the same pool. */
  readonly jobId: string;
  /** Epoch ms after which no pool is called. */
  readonly deadlineAt: number;
  readonly waitUntil: (promise: Promise<unknown>) => void;
  readonly signal?: AbortSignal;
  /** Called as a pool is called (the job object records where its job runs). */
  readonly onStart?: (candidate: DispatchCandidate) => void;
  /** Queue position and step progress of a pool call in flight (adapters that report them), by pool. */
  readonly onProgress?: (progress: BackendProgress, poolId: string) => void;
  /** Called as a pool call ends, whatever its outcome (`onStart` called it). */
  readonly onEnd?: (poolId: string) => void;
  /** The request's trace and log record: pool calls carry its `traceparent`, it learns the work. */
  readonly observe?: DispatchObserver;
  /**
   * A request with less work than one typical image may go to two pools at once (`tiesRequest`):
   * sync calls. An async job is not tied: its record follows one pool at a time (`pool_id`,
   * `attempts`, progress), and its client is not waiting on the connection for a tie's tail.
   */
  readonly mayTie?: boolean;
  /**
   * Takes the tenant's quota (its limiter), throwing to refuse: called once the fleet has room
   * for the request at its tier, or when no pool serves its model (that still counts). A request
   * shed for want of room costs its tenant no quota and the edge no limiter call.
   */
  readonly admit?: () => Promise<void>;
}

/** The dispatch result, plus the two reasons routing itself can refuse before any pool call. */
export type RouteAndDispatchResult =
  | DispatchResult
  | { readonly ok: false; readonly error: 'model_not_found'; readonly attempts: readonly AttemptRecord[] };
