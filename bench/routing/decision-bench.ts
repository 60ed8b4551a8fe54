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

/** Decision cost with many candidate pools, microseconds. */
export interface DecisionCost {
  readonly pools: number;
  /** `pickPools` on an index built once per snapshot: what the edge pays per request. */
  readonly pick_us: number;
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

/** Megapixels of one 512x512 image, the benchmark model's default. */
const MEGAPIXELS = 0.262144;
/** The spill decision's objective, ms: loose enough that most decisions stop at the owned band. */
const SPILL_OBJECTIVE_MS = 15_000;
/** The benchmark model's defaults, as every pool reports them. */
const MODEL_DEFAULTS = new Map([['model', { steps: 30, size: '512x512' }]]);

/**
 * Times decisions over `poolCount` pools with random loads in work units, measured curves, 100
 * requests in flight and piggybacked figures.
 */
export function measureDecisionCost(poolCount = 1_000, decisions = 200_000): DecisionCost {
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
  const next = () => random.next();
  const time = (repeats: number, body: () => void) => {
    for (let warm = 0; warm < Math.min(1_000, repeats); warm++) body();
    const started = process.hrtime.bigint();
    for (let repeat = 0; repeat < repeats; repeat++) body();
    return Number(process.hrtime.bigint() - started) / 1_000 / repeats;
  };
  const index = indexFleet(pools, 'model', policy);
  let sink = 0;
  const pick_us = time(decisions, () => {
    sink += pickPools(index, { request, observations, policy, now, random: next }).length;
  });
  const index_build_us = time(200, () => {
    sink += indexFleet(pools, 'model', policy).pools.length;
  });
  const rank_all_us = time(200, () => {
    sink += rankPools({ pools, request, observations, policy, now, random: next }).length;
  });
  const pricedPools = pools.map((pool, at) => ({
    ...pool,
    pricePerImage: at % 10 < 7 ? null : at % 10 < 9 ? 0.0025 : 0.006,
  }));
  const spillPolicy: RoutingPolicy = { ...policy, tierObjectivesMs: { paid: SPILL_OBJECTIVE_MS } };
  const spillIndex = indexFleet(pricedPools, 'model', spillPolicy);
  const spillRequest = { ...request, objectiveMs: SPILL_OBJECTIVE_MS };
  const spill_pick_us = time(decisions, () => {
    sink += pickPools(spillIndex, {
      request: spillRequest,
      observations,
      policy: spillPolicy,
      now,
      random: next,
    }).length;
  });
  if (sink < 0) throw new Error('unreachable');
  const round = (value: number) => Math.round(value * 100) / 100;
  return {
    pools: poolCount,
    pick_us: round(pick_us),
    index_build_us: round(index_build_us),
    rank_all_us: round(rank_all_us),
    spill_pick_us: round(spill_pick_us),
  };
}
