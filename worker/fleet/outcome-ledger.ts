/** What one isolate saw of one pool since its last snapshot refresh (see {@link OutcomeLedger}). */
export interface PoolOutcomes {
  readonly poolId: string;
  /** Images of this isolate's requests at the pool right now. */
  readonly inFlightImages: number;
  /** Requests that came back with images. */
  readonly completed: number;
  /** Images they carried. */
  readonly completedImages: number;
  /** Requests that failed at the pool (refusals and errors, not the client's own faults). */
  readonly failed: number;
  /**
   * Sum over completed requests of latency x images / work, ms per megapixel-step: how fast the
   * pool turns work into images, one sample per request whose work was known.
   */
  readonly msPerWorkSum: number;
  /** How many requests `msPerWorkSum` holds. */
  readonly msPerWorkSamples: number;
  /** Sum of completed requests' latency, ms. */
  readonly latencyMsSum: number;
  /** Sum over those requests of megapixels per image (the sizes the pool serves). */
  readonly imageMegapixelsSum: number;
}

/** An isolate's outcomes, piggybacked on its snapshot refresh (`FleetRegistry.snapshot`). */
export interface OutcomeSummary {
  /** Random per isolate: the registry adds in-flight counts across isolates by it. */
  readonly isolateId: string;
  readonly pools: readonly PoolOutcomes[];
}

/** One finished attempt, as dispatch saw it. */
export interface AttemptSample {
  readonly ok: boolean;
  readonly durationMs: number;
  readonly images: number;
  /** Megapixel-steps; undefined when the request's size was unknown. */
  readonly work?: number;
  /** Megapixels of one image, where known. */
  readonly imageMegapixels?: number;
}

type Counters = {
  -readonly [K in Exclude<keyof PoolOutcomes, 'poolId' | 'inFlightImages'>]: PoolOutcomes[K];
};

const empty = (): Counters => ({
  completed: 0,
  completedImages: 0,
  failed: 0,
  msPerWorkSum: 0,
  msPerWorkSamples: 0,
  latencyMsSum: 0,
  imageMegapixelsSum: 0,
});

/**
 * The edge's own view of pools that push no telemetry (OpenAI-compatible APIs, Replicate, fal,
 * KServe servers): this isolate's in-flight images and what its finished requests showed. The
 * registry adds every isolate's summary into one telemetry report per pool, so routing sees those
 * pools like the rest without a registry round trip per request: each isolate's summary rides on
 * the snapshot refresh it makes anyway (about once a second).
 */
export class OutcomeLedger {
  readonly isolateId = crypto.randomUUID();
  #counters = new Map<string, Counters>();

  /** Counts one finished attempt at a pool. */
  note(poolId: string, sample: AttemptSample): void {
    let counters = this.#counters.get(poolId);
    if (!counters) {
      counters = empty();
      this.#counters.set(poolId, counters);
    }
    if (!sample.ok) {
      counters.failed++;
      return;
    }
    counters.completed++;
    counters.completedImages += sample.images;
    counters.latencyMsSum += sample.durationMs;
    if (sample.imageMegapixels !== undefined) counters.imageMegapixelsSum += sample.imageMegapixels;
    if (sample.work !== undefined && sample.work > 0) {
      counters.msPerWorkSum += (sample.durationMs * sample.images) / sample.work;
      counters.msPerWorkSamples++;
    }
  }

  /**
   * The summary since the last call, with the in-flight images each pool holds now, and starts
   * counting afresh. Pools with nothing to say are left out.
   */
  take(inFlightImages: ReadonlyMap<string, number>): OutcomeSummary {
    const counters = this.#counters;
    this.#counters = new Map();
    const pools: PoolOutcomes[] = [];
    const ids = new Set([...counters.keys(), ...inFlightImages.keys()]);
    for (const poolId of ids) {
      pools.push({
        poolId,
        inFlightImages: inFlightImages.get(poolId) ?? 0,
        ...(counters.get(poolId) ?? empty()),
      });
    }
    return { isolateId: this.isolateId, pools };
  }
}
