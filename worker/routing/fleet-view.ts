/**
 * What routing knows about one pool: the registry's record plus its latest telemetry, as seen
 * by one edge isolate. Plain data, so the simulator in bench/ can build it too.
 */
export interface PoolView {
  readonly poolId: string;
  readonly providerId: string;
  readonly region: string;
  readonly models: readonly string[];
  /** Images the pool denoises at once (telemetry `slots`, else the registered capacity). */
  readonly slots: number;
  readonly running: number;
  readonly queued: number;
  readonly maxQueue: number;
  /** EWMA time for one job, ms; null before the pool has finished one. */
  readonly jobMs: number | null;
  readonly draining: boolean;
  readonly ready: boolean;
  /** When the telemetry was taken (epoch ms), or null if the pool never reported. */
  readonly reportedAt: number | null;
  /** Operator's switch; a disabled or draining pool gets no new work. */
  readonly enabled: boolean;
  /**
   * Until when the registry holds the pool suspect because an isolate saw it refuse work or
   * make no progress (see `suspicion.ts`); absent or null when nobody reported it.
   */
  readonly suspectUntil?: number | null;
  /**
   * Since when (epoch ms, the registry's clock, like `reportedAt`) every report from the pool
   * has shown no work at all (queued + running = 0); absent or null while it has work. An idle
   * pool finishes no jobs, so its `jobMs` is as old as its idleness (see `effectiveJobMs`).
   */
  readonly idleSince?: number | null;
  /** The lowest job time (`jobMs`) the pool has reported since it registered, ms; absent if unknown. */
  readonly bestJobMs?: number | null;
}

/** Load the isolate observed itself, fresher than the shared snapshot. */
export interface LocalObservations {
  /** Requests this isolate has in flight per pool. */
  readonly inFlight: ReadonlyMap<string, number>;
  /** Load piggybacked on the latest response from each pool, with when it arrived. */
  readonly piggybacked: ReadonlyMap<string, { queued: number; running: number; at: number }>;
  /** Pools this isolate saw refuse or fail, excluded until the given time. */
  readonly ejectedUntil: ReadonlyMap<string, number>;
  /**
   * Send times (epoch ms) of this isolate's requests still in flight, per pool. Lets scoring
   * count only the sends the pool's telemetry cannot include yet. Optional: without it every
   * in-flight request counts as unreported.
   */
  readonly inFlightSentAt?: ReadonlyMap<string, readonly number[]>;
  /**
   * Per pool, the latest sign of progress on any of this isolate's requests there: the send,
   * the acknowledgement, a queue-position change, a step `progress` event or a completion.
   * A pool with requests in flight and no progress for `stallAfterMs` is treated as stalled.
   */
  readonly lastProgressAt?: ReadonlyMap<string, number>;
  /** Measured round trip to each pool, ms (EWMA of connection + header time). */
  readonly networkMs?: ReadonlyMap<string, number>;
}

/** Who asks and for what. */
export interface RoutingRequest {
  readonly model: string;
  readonly images: number;
  /** Providers the tenant may use; empty means any. */
  readonly allowedProviders: readonly string[];
  /** Regions the tenant may use; empty means any. */
  readonly allowedRegions: readonly string[];
}

/** Routing settings. */
export interface RoutingPolicy {
  /** Telemetry older than this excludes a pool. */
  readonly telemetryTtlMs: number;
  /** Job time assumed for a pool that has not reported one. */
  readonly defaultJobMs: number;
  /** No progress for this long on a pool with requests in flight marks it stalled (default 500). */
  readonly stallAfterMs?: number;
  /**
   * How often pools heartbeat, ms (default `DEFAULT_HEARTBEAT_INTERVAL_MS`); a pool two
   * intervals behind the rest of the snapshot is left out (`heartbeatLagLimitMs`).
   */
  readonly heartbeatIntervalMs?: number;
  /** Candidates sampled per decision (power of d choices; default `DEFAULT_CHOICES`). */
  readonly choices?: number;
}

/** Default of `RoutingPolicy.stallAfterMs`. */
export const DEFAULT_STALL_AFTER_MS = 400;

/** Empty observations, for a fresh isolate. */
export const noObservations: LocalObservations = {
  inFlight: new Map(),
  piggybacked: new Map(),
  ejectedUntil: new Map(),
};
