import {
  DEFAULT_CHOICES,
  dynamicIneligibility,
  effectiveJobMs,
  fleetMedianJobMs,
  heartbeatLagLimitMs,
  type IndexedRoutingInput,
  type LocalObservations,
  type PoolView,
  type RoutingPolicy,
  type ScoredPool,
  staticIneligibility,
} from '../../../../worker/routing/index.ts';
import { forecastLoadAt, type LoadForecast } from '../../../../worker/routing/load-forecast.ts';
import { priorForecastLoads, priorServiceMs, seenLoad } from './prior-scoring.ts';

// worker/routing's `indexFleet` and `pickPools` before issue 13, frozen on the old model
// (`prior-scoring.ts`): throughput weights slots / job time, the forecast in images, one image
// per request. Eligibility, stall detection and the rest are today's worker/routing code.

/** The old per-snapshot index. */
export interface PriorIndex {
  readonly pools: readonly PoolView[];
  readonly cumulativeWeight: Float64Array;
  readonly totalWeight: number;
  readonly choices: number;
  readonly fallbackJobMs: number;
  readonly jobMs: Float64Array;
  readonly forecast: LoadForecast;
  readonly positions: ReadonlyMap<string, number>;
}

/** Indexes a snapshot as the old `indexFleet` did. */
export function priorIndexFleet(
  pools: readonly PoolView[],
  model: string,
  policy: RoutingPolicy,
): PriorIndex {
  const serving = pools.filter((pool) => staticIneligibility(pool, model) === null);
  let takenAt = 0;
  for (const pool of serving) takenAt = Math.max(takenAt, pool.reportedAt ?? 0);
  const lagLimitMs = heartbeatLagLimitMs(policy);
  const candidates = serving.filter((pool) => takenAt - (pool.reportedAt ?? 0) <= lagLimitMs);
  const fallbackJobMs = fleetMedianJobMs(candidates, policy);
  const jobMs = Float64Array.from(candidates, (pool) => effectiveJobMs(pool, fallbackJobMs, takenAt));
  const weights = candidates.map(
    (pool, position) => Math.max(1, pool.slots) / Math.max(1, jobMs[position] ?? fallbackJobMs),
  );
  const cumulativeWeight = new Float64Array(candidates.length);
  let total = 0;
  weights.forEach((weight, position) => {
    total += weight;
    cumulativeWeight[position] = total;
  });
  const choices = Math.max(1, Math.floor(policy.choices ?? DEFAULT_CHOICES));
  return {
    pools: candidates,
    cumulativeWeight,
    totalWeight: total,
    choices,
    fallbackJobMs,
    jobMs,
    forecast: priorForecastLoads(candidates, jobMs, weights, choices, takenAt),
    positions: new Map(candidates.map((pool, position) => [pool.poolId, position])),
  };
}

/**
 * The old `expectedCompletionMs`: forecast-moved image load, own sends, the prior; the request
 * counts its `images` (as the old code did with `request.images`), not their size or steps.
 */
export function priorExpectedCompletionMs(
  pool: PoolView,
  images: number,
  observations: LocalObservations,
  index: PriorIndex,
  now: number,
): number {
  const seen = seenLoad(pool, observations);
  const slots = Math.max(1, pool.slots);
  const position = index.positions.get(pool.poolId);
  const jobMs =
    (position === undefined ? undefined : index.jobMs[position]) ?? pool.jobMs ?? index.fallbackJobMs;
  const moved =
    position === undefined
      ? 0
      : forecastLoadAt(index.forecast, position, now) - forecastLoadAt(index.forecast, position, seen.at);
  const projected = Math.max(0, seen.load + moved);
  const own = observations.inFlight.get(pool.poolId) ?? 0;
  const sentAt = observations.inFlightSentAt?.get(pool.poolId);
  let unreported = own;
  if (sentAt !== undefined) {
    unreported = 0;
    for (const time of sentAt) if (time > seen.at) unreported++;
  }
  const load = Math.max(own, projected + unreported);
  return (observations.networkMs?.get(pool.poolId) ?? 0) + priorServiceMs(load, images, slots, jobMs);
}

/** The old `pickPools` (the request counts as one image whatever its size). */
export function priorPickPools(
  index: PriorIndex,
  input: IndexedRoutingInput,
  maxCandidates = 3,
): ScoredPool[] {
  const wanted = Math.max(index.choices, maxCandidates);
  const picked: ScoredPool[] = [];
  const seen = new Set<number>();
  const eligible = (pool: PoolView) =>
    dynamicIneligibility(pool, input.request, input.observations, input.policy, input.now) === null;
  const score = (pool: PoolView): ScoredPool => ({
    pool,
    predictedMs: priorExpectedCompletionMs(pool, input.request.images, input.observations, index, input.now),
  });
  for (let tries = 0; picked.length < wanted && tries < wanted * 4; tries++) {
    const position = samplePosition(index, input.random);
    if (seen.has(position)) continue;
    seen.add(position);
    const pool = index.pools[position];
    if (pool && eligible(pool)) picked.push(score(pool));
  }
  if (picked.length < Math.min(index.choices, index.pools.length)) {
    // Few pools or most excluded: score them all (the old `rankPools` fallback).
    const all = index.pools.filter(eligible).map(score);
    return all.sort((a, b) => a.predictedMs - b.predictedMs).slice(0, maxCandidates);
  }
  let best: ScoredPool | undefined;
  for (const candidate of picked.slice(0, index.choices)) {
    if (!best || candidate.predictedMs < best.predictedMs) best = candidate;
  }
  const rest = picked.filter((entry) => entry !== best).sort((a, b) => a.predictedMs - b.predictedMs);
  return (best ? [best, ...rest] : rest).slice(0, maxCandidates);
}

function samplePosition(index: PriorIndex, random: () => number): number {
  const target = random() * index.totalWeight;
  let low = 0;
  let high = index.pools.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((index.cumulativeWeight[middle] ?? 0) > target) high = middle;
    else low = middle + 1;
  }
  return low;
}
