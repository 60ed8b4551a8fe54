import type {
  BackendCallError,
  BackendProgress,
  BackendResult,
  ImageBackend,
  PoolUpstream,
} from '../../backends/index.ts';
import type { GenerationRequest, PiggybackedLoad } from '../../shared/index.ts';
import type { RunningPace } from '../routing/index.ts';

/** A pool routing picked, in failover order. */
export interface DispatchCandidate {
  readonly poolId: string;
  readonly providerId: string;
  readonly url: string;
  /** Adapter name, a key of the `backends` registry. */
  readonly protocol: string;
  /** The pool's adapter settings (provider model name, KServe tensors); absent for gpu-node. */
  readonly upstream?: PoolUpstream;
  /** Routing's expected completion for the request on this pool, ms; drives hedging. */
  readonly predictedMs?: number;
  /** The pool's measured time from the last step of the request's images to its answer, ms (`finishMsOf`). */
  readonly finishMs?: number;
}

/**
 * Hedging: once the only call in flight has run `afterMs(candidate)` with no answer, the next
 * candidate is called as well; the first image wins and the other call is cancelled.
 */
export interface HedgeOptions {
  /** Ms after the start of a call to this candidate at which it counts as late; null: never. */
  readonly afterMs: (candidate: DispatchCandidate) => number | null;
  /** A hedge budget; consulted when a call turns late. */
  readonly allow: () => boolean;
}

/**
 * How one attempt ended, for outlier ejection and load bookkeeping:
 * `refused` = the pool turned the work away (capacity, our credential) and is healthy;
 * `rejected` = the request's own fault, the pool is healthy; `timed_out` = the deadline ran out;
 * `canceled` = the caller went away; `hedge_lost` = the call ran late and a hedged copy on
 * another pool answered first (a loaded pool, not a broken one); `stalled` = the call stopped
 * reporting steps mid-job and its copy elsewhere answered first; `rerouted` = the pool acknowledged a longer queue than routing
 * expected and the request moved before it started; `tie_lost` = one of a tied pair (`DispatchOptions.tie`)
 * whose pool acknowledged a later finish than the other's; `failed` = the pool took the work and did
 * not deliver.
 */
export type AttemptOutcome =
  | 'ok'
  | 'connection_failed'
  | 'refused'
  | 'rejected'
  | 'timed_out'
  | 'canceled'
  | 'hedge_lost'
  | 'stalled'
  | 'rerouted'
  | 'tie_lost'
  | 'failed';

/** One call to one pool, reported through `onAttempt` and returned in `attempts`. */
export interface AttemptRecord {
  readonly poolId: string;
  readonly providerId: string;
  readonly outcome: AttemptOutcome;
  /** HTTP status, or null when no answer came. */
  readonly status: number | null;
  /** The error's code; null on success. */
  readonly code: string | null;
  readonly durationMs: number;
  /** Load the pool piggybacked on its answer, if any. */
  readonly load: PiggybackedLoad | null;
  /** How long the pool asked to be left alone (`Retry-After`), seconds; null if it did not. */
  readonly retryAfterSeconds?: number | null;
  /** True for the hedged copy of a late call. */
  readonly hedge?: boolean;
  /** True for the second call of a tied pair. */
  readonly tie?: boolean;
}

/**
 * Where a pool said it put a call: `position` images ahead in its queue, or at 0 straight into a
 * batch of `batchMegapixels` (when the pool says; gpu-node's opening `queued` event does).
 */
export interface PoolAcknowledgement {
  readonly position: number;
  readonly batchMegapixels?: number | undefined;
  /** The pool's estimate of the ms until the waiting call gets a slot (gpu-node's `start_in_ms`). */
  readonly startInMs?: number | undefined;
}

/** What the dispatcher learns from streamed calls, and the second look it takes at a queued one. */
export interface AckOptions {
  /** Every event from a call's pool: a sign the pool makes progress (stall detection). */
  readonly onPoolProgress?: (poolId: string, now: number) => void;
  /**
   * A call reported its last step: its pool may be silent until `quietUntil` (epoch ms) while it
   * makes the image (`STALL_FINISH_TIMES` of the pool's finish time).
   */
  readonly onFinishing?: (poolId: string, quietUntil: number) => void;
  /**
   * A call was sent at `sentAt` to a pool that acknowledges every call it takes at once
   * (`ImageBackend.acknowledges`): its silence counts from when that acknowledgement is due.
   */
  readonly onAcknowledgementDue?: (poolId: string, sentAt: number) => void;
  /** Once per call: ms from sending it to the pool's first event (the pool's round trip). */
  readonly onRoundTrip?: (poolId: string, ms: number) => void;
  /** The pool's usual round trip as measured so far (`onRoundTrip`), ms; undefined before one. */
  readonly roundTripMs?: (poolId: string) => number | undefined;
  /** The gap between two consecutive events of one call, ms: the pace at which its pool reports. */
  readonly onEventGap?: (poolId: string, ms: number) => void;
  /**
   * Where a call its pool acknowledged should move before it steps: the pools to try from there,
   * first choice first; null to stay (`moves`: how often this request moved already). Asked once
   * per new position.
   */
  readonly moveTo?: (
    candidate: DispatchCandidate,
    acknowledged: PoolAcknowledgement,
    moves: number,
  ) => readonly DispatchCandidate[] | null;
  /**
   * What is left of the request on the candidate's pool as its acknowledgement says, ms including
   * the trip back: how the two calls of a tied pair compare (`DispatchOptions.tie`).
   */
  readonly remainingMs?: (candidate: DispatchCandidate, acknowledged: PoolAcknowledgement) => number;
  /**
   * Where a running call that its own step events make late (routing's `lateByPace`) gets its
   * hedge: a fresh pick's pools, first choice first, when the first is expected to finish the
   * request in under `PACE_HEDGE_MARGIN` of what that pace leaves (`worthHedging`); null when a
   * copy is not worth it now (it is asked again at the call's next step).
   */
  readonly hedgeTo?: (candidate: DispatchCandidate, pace: RunningPace) => readonly DispatchCandidate[] | null;
  /**
   * Where a copy of a call that is late by the clock, or stalled, goes: a fresh pick without the
   * call's pool, first choice first. Without it (or when it names none) the copy goes to the next
   * candidate of the first ranking.
   */
  readonly copyTo?: (candidate: DispatchCandidate) => readonly DispatchCandidate[];
  /**
   * The request alone on the candidate's pool, round trip included, ms: the soonest a tied call
   * there could come back, so its pair need not wait for that pool's word to drop it (0 if unknown).
   */
  readonly unloadedMs?: (candidate: DispatchCandidate) => number;
}

/** Inputs of `dispatchWithFailover`. */
export interface DispatchOptions {
  /** Pools in the order to try them (routing's ranking). */
  readonly candidates: ReadonlyArray<DispatchCandidate>;
  readonly request: GenerationRequest;
  /** Idempotency key, the same on every pool tried. */
  readonly jobId: string;
  /** When the client's budget runs out (epoch ms). */
  readonly deadlineAt: number;
  readonly backendFor: (protocol: string) => ImageBackend;
  /** Mints the edge's dispatch token for a pool (its audience is the pool id). */
  readonly tokenFor: (poolId: string) => Promise<string>;
  readonly now: () => number;
  /**
   * Whether a candidate ranked at the start may still be called (failover, hedge, re-route): a
   * pool that refused with `Retry-After` or was ejected since is skipped. Default: always.
   */
  readonly stillCallable?: (poolId: string) => boolean;
  /** At most this many pools are called; default 3 (Google SRE: at most 3 attempts). */
  readonly maxAttempts?: number;
  /** Called as an attempt starts (in-flight bookkeeping); `onAttempt` follows when it ends. */
  readonly onStart?: (poolId: string, candidate: DispatchCandidate) => void;
  readonly onAttempt?: (attempt: AttemptRecord) => void;
  /** Aborts the pool call in flight, e.g. when the client disconnects. */
  readonly signal?: AbortSignal;
  /** Consulted before each failover; a retry budget (token bucket) plugs in here. Default: allow. */
  readonly allowRetry?: (error: BackendCallError) => boolean;
  /** Send a second copy when a call runs late (at most one per request). Default: never. */
  readonly hedge?: HedgeOptions;
  /**
   * Streams each call's queue and step events (the pool then answers as an event stream). A
   * call that reported steps and then goes quiet (`StepWatch`) is stalled: the next candidate gets
   * a copy at once, outside the hedge budget (it is a failover: the stalled call may never end).
   */
  readonly onProgress?: (progress: BackendProgress, poolId: string) => void;
  /**
   * Streams every call's events even with no `onProgress` consumer (sync requests), so stalls,
   * round trips and acknowledgements are seen there too.
   */
  readonly streamProgress?: boolean;
  /** Round trips, progress and the acknowledgement re-route of streamed calls. */
  readonly ack?: AckOptions;
  /**
   * Calls the first two candidates at once, a tied pair (routing's `tiesRequest`): once both
   * pools have acknowledged, the call `ack.remainingMs` says finishes later is cancelled
   * (`tie_lost`); until then the first answer wins. A tied request does not move on its
   * acknowledgement (the pair already chose between two pools on exact figures).
   */
  readonly tie?: boolean;
  /**
   * Called when a tied pair settles: a call cancelled (`tie_lost`), failed or answered, or the
   * second not started. The isolate's `TieGate` counts open pairs; its release is idempotent, and
   * the caller releases at the request's end as well.
   */
  readonly onTieSettled?: () => void;
  /** Least silence after a step that counts as a stall, ms (default 400, `DEFAULT_STALL_AFTER_MS`). */
  readonly stallAfterMs?: number;
  /** Keeps a background cancel alive after the response (a Worker's `ctx.waitUntil`). */
  readonly waitUntil?: (promise: Promise<unknown>) => void;
  /** A W3C `traceparent` for each pool call: the request's trace, a new span per call. */
  readonly traceparentFor?: () => string;
}

/** Why no pool produced the images, when no pool call explains it. */
export type DispatchStop = 'no_candidates' | 'deadline_exceeded';

/** The one result the client's request gets. */
export type DispatchResult =
  | {
      readonly ok: true;
      readonly result: BackendResult;
      readonly poolId: string;
      readonly providerId: string;
      readonly attempts: readonly AttemptRecord[];
    }
  | {
      readonly ok: false;
      /** The last pool's error, or why no pool was called. */
      readonly error: BackendCallError | DispatchStop;
      readonly attempts: readonly AttemptRecord[];
    };

/** What a request's observability learns from its dispatch (`routeAndDispatch`'s `observe`). */
export interface DispatchObserver {
  /** A W3C `traceparent` for one pool call: the request's trace, a new span id each call. */
  childTraceparent(): string;
  /** The request's work as routing resolved it (the model's defaults applied). */
  routed(work: number | undefined): void;
}
