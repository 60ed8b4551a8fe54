import {
  indexFleet,
  type LocalObservations,
  type PoolView,
  pickPools,
  type RoutingPolicy,
  type RoutingRequest,
  rankPools,
} from '../../worker/routing/index.ts';
import { seededRandom } from './rng.ts';

/**
 * Decision cost with many candidate pools, microseconds: each the mean over the fastest of
 * `TIMING_BATCHES` batches of the run (`pick_us_median`: the median batch).
 */
export interface DecisionCost {
  readonly pools: number;
  /** `pickPools` on an index built once per snapshot: what the edge pays per request. */
  readonly pick_us: number;
  /** `pick_us` over the median batch instead of the fastest: how much the host slowed the run. */
  readonly pick_us_median: number;
  /** `indexFleet`, once per snapshot refresh. */
  readonly index_build_us: number;
  /** `rankPools`, which scores and sorts every pool (the full failover order). */
  readonly rank_all_us: number;
  /**
   * `pickPools` for a request with an objective on the same pools in three price bands (70%
   * owned): it samples band after band until one meets the objective (spill by cost).
   */
  readonly spill_pick_us: number;
}

/**
 * Batches each timing is split into, reported by the fastest one's mean. This host's speed swings
 * about 1.8x for seconds at a time (the batches of every timing take turns, so each timing's are
 * spread over the whole measurement): in one run of 80 batches of the same decisions, some took
 * 8-10 µs a decision and others 15-19 µs. The fastest batch is the code's own cost; a mean over the
 * whole run was a measure of the host (13-31 µs for code that took 8-10).
 */
const TIMING_BATCHES = 20;

/** Megapixels of one 512x512 image, the benchmark model's default. */
const MEGAPIXELS = 0.262144;
/** The spill decision's objective, ms: loose enough that most decisions stop at the owned band. */
const SPILL_OBJECTIVE_MS = 15_000;
/** The benchmark model's defaults, as every pool reports them. */
const MODEL_DEFAULTS = new Map([['model', { steps: 30, size: '512x512' }]]);

/** What every decision of the benchmark is made on (`decisionFixture`). */
export interface DecisionFixture {
  readonly pools: PoolView[];
  readonly observations: LocalObservations;
  readonly request: RoutingRequest;
  readonly policy: RoutingPolicy;
  readonly now: number;
  /** The seeded stream every decision draws from. */
  readonly random: () => number;
}

/**
 * `poolCount` pools with random loads in work units and measured curves, 100 requests in flight,
 * piggybacked figures, and a request of two typical images: the same for every run (seeded).
 */
export function decisionFixture(poolCount = 1_000): DecisionFixture {
  const random = seededRandom(7);
  const now = 1_000_000;
  const pools: PoolView[] = Array.from({ length: poolCount }, (_, index) => {
    const slots = 4 + Math.floor(random.next() * 13);
    const running = Math.floor(random.next() * slots);
    const queued = Math.floor(random.next() * slots);
    const stepMs = 10 + random.next() * 60;
    return {
      poolId: `pool-${index}`,
      providerId: `prov-${index % 7}`,
      region: `region-${index % 5}`,
      models: ['model'],
      slots,
      running,
      queued,
      queuedWork: queued * 30 * MEGAPIXELS,
      runningWork: running * 15 * MEGAPIXELS,
      stepCurve: [1, 2, 4, 8, 16].map((images) => ({
        batch_megapixels: images * MEGAPIXELS,
        step_ms: stepMs * (0.1 + 0.9 * images),
      })),
      stepMs: stepMs * (0.1 + 0.9 * Math.max(1, running)),
      modelDefaults: MODEL_DEFAULTS,
      maxQueue: 64,
      jobMs: 500 + random.next() * 2_000,
      draining: false,
      ready: true,
      reportedAt: now - random.next() * 1_000,
      enabled: true,
      suspectUntil: null,
    };
  });
  const inFlight = new Map<string, number>();
  const inFlightSentAt = new Map<string, number[]>();
  const inFlightSends = new Map<string, { sentAt: number; work: number; images: number }[]>();
  for (let request = 0; request < 100; request++) {
    const id = `pool-${Math.floor(random.next() * poolCount)}`;
    const sentAt = now - random.next() * 2_000;
    inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
    inFlightSentAt.set(id, [...(inFlightSentAt.get(id) ?? []), sentAt]);
    inFlightSends.set(id, [...(inFlightSends.get(id) ?? []), { sentAt, work: 30 * MEGAPIXELS, images: 1 }]);
  }
  const observations: LocalObservations = {
    inFlight,
    inFlightSentAt,
    inFlightSends,
    piggybacked: new Map(
      pools
        .slice(0, 50)
        .map((pool) => [
          pool.poolId,
          { queued: 1, running: 2, queuedWork: 30 * MEGAPIXELS, runningWork: 30 * MEGAPIXELS, at: now - 10 },
        ]),
    ),
    ejectedUntil: new Map([['pool-3', now + 5_000]]),
    lastProgressAt: new Map([...inFlight.keys()].map((id) => [id, now - 20])),
    networkMs: new Map(pools.map((pool, index) => [pool.poolId, 20 + (index % 5) * 40])),
  };
  const request: RoutingRequest = {
    model: 'model',
    images: 2,
    steps: 30,
    imageMegapixels: MEGAPIXELS,
    work: 2 * 30 * MEGAPIXELS,
    allowedProviders: [],
    allowedRegions: [],
  };
  const policy: RoutingPolicy = { telemetryTtlMs: 5_000, defaultJobMs: 1_000 };
  return { pools, observations, request, policy, now, random: () => random.next() };
}

/**
 * Times decisions over `decisionFixture(poolCount)`.
 */
export function measureDecisionCost(poolCount = 1_000, decisions = 200_000): DecisionCost {
  const { pools, observations, request, policy, now, random: next } = decisionFixture(poolCount);
  const index = indexFleet(pools, 'model', policy);
  const pricedPools = pools.map((pool, at) => ({
    ...pool,
    pricePerImage: at % 10 < 7 ? null : at % 10 < 9 ? 0.0025 : 0.006,
  }));
  const spillPolicy: RoutingPolicy = { ...policy, tierObjectivesMs: { paid: SPILL_OBJECTIVE_MS } };
  const spillIndex = indexFleet(pricedPools, 'model', spillPolicy);
  const spillRequest = { ...request, objectiveMs: SPILL_OBJECTIVE_MS };
  let sink = 0;
  const [pick, indexBuild, rankAll, spillPick] = timeInterleaved([
    {
      repeats: decisions,
      body: () => {
        sink += pickPools(index, { request, observations, policy, now, random: next }).length;
      },
    },
    { repeats: 200, body: () => (sink += indexFleet(pools, 'model', policy).pools.length) },
    {
      repeats: 200,
      body: () => (sink += rankPools({ pools, request, observations, policy, now, random: next }).length),
    },
    {
      repeats: decisions,
      body: () => {
        sink += pickPools(spillIndex, {
          request: spillRequest,
          observations,
          policy: spillPolicy,
          now,
          random: next,
        }).length;
      },
    },
  ]);
  if (sink < 0) throw new Error('unreachable');
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    pools: poolCount,
    pick_us: round(pick?.fastest ?? 0),
    pick_us_median: round(pick?.median ?? 0),
    index_build_us: round(indexBuild?.fastest ?? 0),
    rank_all_us: round(rankAll?.fastest ?? 0),
    spill_pick_us: round(spillPick?.fastest ?? 0),
  };
}

/**
 * Times each body over `repeats` runs in `TIMING_BATCHES` batches, the bodies' batches taking
 * turns so that each timing's batches are spread over the whole measurement, not one stretch of
 * it: µs per run over the fastest batch and over the median one.
 */
function timeInterleaved(
  timings: readonly { readonly repeats: number; readonly body: () => void }[],
): { fastest: number; median: number }[] {
  const means = timings.map(() => [] as number[]);
  for (const { repeats, body } of timings) {
    for (let warm = 0; warm < Math.min(1_000, repeats); warm++) body();
  }
  for (let batch = 0; batch < TIMING_BATCHES; batch++) {
    timings.forEach(({ repeats, body }, at) => {
      const perBatch = Math.max(1, Math.round(repeats / TIMING_BATCHES));
      const started = process.hrtime.bigint();
      for (let repeat = 0; repeat < perBatch; repeat++) body();
      means[at]?.push(Number(process.hrtime.bigint() - started) / 1_000 / perBatch);
    });
  }
  return means.map((batches) => {
    const sorted = [...batches].sort((a, b) => a - b);
    return { fastest: sorted[0] ?? 0, median: sorted[Math.floor(sorted.length / 2)] ?? 0 };
  });
}
