import type { Tier } from '../../shared/schemas/fleet-admin.ts';
import type { StepCurvePoint } from '../../shared/schemas/telemetry-report.ts';

/** A model's defaults as a pool reports them (telemetry `models[]`), applied where a request leaves them out. */
export interface ModelDefaults {
  readonly steps: number;
  /** `WIDTHxHEIGHT`. */
  readonly size: string;
  /** Every size the pool serves the model at; absent: unknown (not checked). */
  readonly sizes?: readonly string[];
  /** The most steps it takes; absent: unknown (not checked). */
  readonly maxSteps?: number;
}

/**
 * What routing knows about one pool: the registry's record plus its latest telemetry, as seen
 * by one edge isolate. Plain data, so the simulator in bench/ can build it too.
 */
export interface PoolView {
  readonly poolId: string;
  readonly providerId: string;
  /** The provider's protocol (`gpu-node`, `kserve`, …); absent where unknown (simulated pools). */
  readonly protocol?: string;
  readonly region: string;
  readonly models: readonly string[];
  /** Images the pool denoises at once (telemetry `slots`, else the registered capacity). */
  readonly slots: number;
  readonly running: number;
  readonly queued: number;
  readonly maxQueue: number;
  /** EWMA time for one job, ms; null before the pool has finished one. */
  readonly jobMs: number | null;
  /**
   * EWMA time of the pool's recent batched steps, ms (telemetry `ewma_step_ms`); with the step
   * curve it says how many megapixels the running batch holds (`imageWorkOf`). Absent if unknown.
   */
  readonly stepMs?: number | null;
  readonly draining: boolean;
  readonly ready: boolean;
  /** When the telemetry was taken (epoch ms), or null if the pool never reported. */
  readonly reportedAt: number | null;
  /**
   * Set where the isolate did not read this pool's registry shard for this snapshot but kept its
   * copy from an earlier read (a region it has not routed to lately, `FleetSnapshotSource`): when
   * that read was (epoch ms). The pool's freshness is judged as of then (the telemetry TTL and the
   * missed-heartbeat rule): that it reported nothing since is not news, since nobody asked.
   */
  readonly heldSince?: number;
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
  /**
   * Work waiting for a slot and work left in the running batch, megapixel-steps (telemetry
   * `work.queued`, `work.running`; `shared/work.ts`). Absent or null from pools that report no
   * work section: routing then counts their images (see `work-model.ts`).
   */
  readonly queuedWork?: number | null;
  readonly runningWork?: number | null;
  /**
   * The pool's measured step time by batch megapixels (telemetry `work.step_curve`), increasing
   * batch; empty before its first step, absent from pools that report no work section. Routing
   * reads it with `stepMsAt`, which assumes no batching gain where nothing was measured.
   */
  readonly stepCurve?: readonly StepCurvePoint[] | null;
  /**
   * What an image takes after its last step (decode, encode), ms, as the pool measured it
   * (telemetry `work.finish_ms`): every request on the pool pays it once per image, beside its
   * steps; absent or null if unknown (then nothing is added).
   */
  readonly finishMs?: number | null;
  /**
   * The same per megapixel of the image (telemetry `work.finish_ms_per_megapixel`): where known, a
   * request's finish is this times its own image's megapixels (`finishMsOf`), since a 1024 px
   * image takes 16 times a 256 px one's; absent or null from older pools.
   */
  readonly finishMsPerMegapixel?: number | null;
  /**
   * The lowest `referenceStepMs` of any curve the pool has reported (registry), for the idle
   * decay of a stale slow curve (`curveIdleScale`); absent or null if unknown.
   */
  readonly bestReferenceStepMs?: number | null;
  /** Per model it serves, the defaults it reports (telemetry `models[]`); absent if unknown. */
  readonly modelDefaults?: ReadonlyMap<string, ModelDefaults> | null;
  /**
   * What the provider charges per image, USD (registry); absent or null for owned pools, which
   * cost nothing per image. Routing spills to priced pools only to meet a request's objective
   * (`spill.ts`).
   */
  readonly pricePerImage?: number | null;
}

/** A pool and its predicted completion time. */
export interface ScoredPool {
  readonly pool: PoolView;
  readonly predictedMs: number;
  /** What it would delay the images beside it there, ms summed (large requests only, `bestFor`). */
  readonly coRunnerDelayMs?: number;
  /**
   * Its completion on the load known to be there, without the arrivals the forecast assumes other
   * isolates sent (small requests only, `tiePartnerSecond`).
   */
  readonly knownMs?: number;
}

/** Load a pool piggybacked on a response: images, and work where the pool reports it. */
export interface PiggybackedFigures {
  readonly queued: number;
  readonly running: number;
  /** Megapixel-steps queued and running (headers `x-spillway-queued-work`, `-running-work`). */
  readonly queuedWork?: number | null;
  readonly runningWork?: number | null;
  /** When it arrived (epoch ms). */
  readonly at: number;
}

/** One of this isolate's requests in flight at a pool. */
export interface InFlightSend {
  /** Epoch ms it was sent. */
  readonly sentAt: number;
  /** Its work, megapixel-steps (`requestWork`). */
  readonly work: number;
  /** Its images (`n`). */
  readonly images: number;
  /** Megapixels of all its images together; absent: each a typical image of the model. */
  readonly megapixels?: number;
}

/** A request of this isolate that ended, and when: figures taken while it ran still count it. */
export interface EndedSend extends Omit<InFlightSend, 'work'> {
  /**
   * Its work, megapixel-steps; null when its size was unknown (the model's defaults were not
   * known): each of its images then counts as a typical image of the model, as in flight.
   */
  readonly work: number | null;
  /** Epoch ms it ended (its answer arrived, or the call failed or was cancelled). */
  readonly endedAt: number;
}

/** Load the isolate observed itself, fresher than the shared snapshot. */
export interface LocalObservations {
  /** Requests this isolate has in flight per pool. */
  readonly inFlight: ReadonlyMap<string, number>;
  /** Load piggybacked on the latest response from each pool, with when it arrived. */
  readonly piggybacked: ReadonlyMap<string, PiggybackedFigures>;
  /** Pools this isolate saw refuse or fail, excluded until the given time. */
  readonly ejectedUntil: ReadonlyMap<string, number>;
  /**
   * When a refused connection ejected each pool (epoch ms). Such an ejection ends early at the
   * first report the registry received after it: the pool is alive again (it was restarted, or
   * resumed from a pause), and waiting out the whole window would idle it for nothing. Absent: no
   * ejection ends early (a 5xx or a `Retry-After` back-off holds for its whole time).
   */
  readonly refusedAt?: ReadonlyMap<string, number>;
  /**
   * Send times (epoch ms) of this isolate's requests still in flight, per pool. Lets scoring
   * count only the sends the pool's telemetry cannot include yet. Optional: without it every
   * in-flight request counts as unreported.
   */
  readonly inFlightSentAt?: ReadonlyMap<string, readonly number[]>;
  /**
   * The same requests with their work, per pool; preferred over `inFlightSentAt` where given, so
   * own unreported sends count in work units. Without it each own request counts as one typical
   * image of the model (`TypicalImage`).
   */
  readonly inFlightSends?: ReadonlyMap<string, readonly InFlightSend[]>;
  /** This isolate's requests that ended lately, per pool (`EndedSend`). */
  readonly endedSends?: ReadonlyMap<string, readonly EndedSend[]>;
  /**
   * Per pool, the latest sign of progress on any of this isolate's requests there: the send,
   * the acknowledgement, a queue-position change, a step `progress` event or a completion.
   * A pool with requests in flight and no progress for `stallAfterMs` is treated as stalled.
   */
  readonly lastProgressAt?: ReadonlyMap<string, number>;
  /** Measured round trip to each pool, ms (EWMA of connection + header time). */
  readonly networkMs?: ReadonlyMap<string, number>;
  /**
   * Per pool, the interval between step events this isolate's requests there have shown lately,
   * ms: a pool stepping a big batch may take a second a step, and silence counts as a stall only
   * past `STALL_STEP_INTERVALS` of them (see `isStalled`).
   */
  readonly stepIntervalMs?: ReadonlyMap<string, number>;
  /**
   * Per pool, until when one of this isolate's calls there may be silent while the pool makes its
   * image after the last step (`STALL_FINISH_TIMES` of the pool's finish time): no stall before.
   */
  readonly finishingUntil?: ReadonlyMap<string, number>;
  /**
   * When this isolate last told the registry its requests in flight (its outcome summary, on a
   * snapshot read) at or before `at` (epoch ms); null when it had not. A pool that pushes no
   * telemetry is reported on from those summaries, so a report received at `at` counts this
   * isolate's requests as they were then, not at `at`: those that ended since have left the pool.
   * Absent: reports count them as of their receipt.
   */
  readonly summarizedBefore?: (at: number) => number | null;
}

/**
 * Who asks and for what. The work fields are optional: without them routing takes the request
 * for `images` typical images of the model (its defaults as the fleet reports them).
 */
export interface RoutingRequest {
  readonly model: string;
  /** `n`: images, each of which takes a slot. */
  readonly images: number;
  /** Work in megapixel-steps, from `requestWork`. */
  readonly work?: number;
  /**
   * The request's work as each protocol's adapter counts it (`ImageBackend.workOf`), where that
   * differs from `work`: an OpenAI-compatible provider runs its own step count whatever the
   * request asks, so a 4-step request is not 4 steps' work there.
   */
  readonly workByProtocol?: ReadonlyMap<string, number>;
  /** Sampler steps, resolved (the model's default where the request leaves them out). */
  readonly steps?: number;
  /** Megapixels of one image (`imageMegapixels(size)`), resolved like `steps`. */
  readonly imageMegapixels?: number;
  /**
   * What the request itself asked for (not the defaults filled in): a pool that reports the
   * sizes and step range it serves the model at is left out when these fall outside them.
   */
  readonly asked?: { readonly size?: string; readonly steps?: number };
  /** Providers the tenant may use; empty means any. */
  readonly allowedProviders: readonly string[];
  /** Regions the tenant may use; empty means any. */
  readonly allowedRegions: readonly string[];
  /**
   * The latency objective for this request, ms from when it is routed (its tier's, see
   * `objectiveFor`); absent: none, and routing picks on predicted completion alone. With one,
   * routing picks the cheapest pool predicted to meet it (`spill.ts`).
   */
  readonly objectiveMs?: number;
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
  /** Latency objective per tenant tier, ms (`objectiveFor`); a tier left out has none. */
  readonly tierObjectivesMs?: Partial<Record<Tier, number>>;
  /** Headroom on a prediction before it meets an objective (default `SPILL_MARGIN`). */
  readonly spillMargin?: number;
}

/** Default of `RoutingPolicy.stallAfterMs`. */
export const DEFAULT_STALL_AFTER_MS = 400;

/** Empty observations, for a fresh isolate. */
export const noObservations: LocalObservations = {
  inFlight: new Map(),
  piggybacked: new Map(),
  ejectedUntil: new Map(),
};
