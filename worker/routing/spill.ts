import type { Tier } from '../../shared/schemas/fleet-admin.ts';
import type { PoolView, RoutingPolicy, RoutingRequest, ScoredPool } from './fleet-view.ts';

// Spill by cost (the federation issue): with an objective, a request goes to the cheapest pool
// predicted to meet it, and to pricier providers only when every cheaper candidate would miss.
// Without one, routing is pure predicted completion. Prices are USD per image; owned pools
// (no price) cost nothing.

/**
 * Headroom on a prediction before it counts as meeting the objective: a candidate meets it when
 * `predictedMs * (1 + SPILL_MARGIN) <= objectiveMs`. Predictions err late under load (stale
 * snapshots, herding between refreshes), and a cheap pool filled to the objective's edge misses it
 * as often as not. Measured in the simulator (`spill-owned-70`, 32 isolates, 1 s snapshots; see
 * docs/routing.md "Spill by cost"): on picks predicted at 0.5-1x the objective, actual over
 * predicted latency had a median of 1.0-1.1 and a 90th percentile of 1.6-1.8, so a pick at the
 * threshold misses only past about the 85th percentile of the error. Attainment gap to pure
 * fastest by margin: 0 -> +4.9 points, 0.25 -> +0.5, 0.5 -> -0.5, 1 -> -1.0; cost ratio 0.46,
 * 0.52, 0.58, 0.66.
 */
export const SPILL_MARGIN = 0.5;

/**
 * Most price bands a decision walks through. Each band costs up to `choices` scores, so a fleet
 * with many distinct prices has them merged into this many bands (cheapest first); inside a band
 * the cheapest candidate that meets the objective still wins.
 */
export const MAX_PRICE_BANDS = 4;

/** USD per image the pool charges; owned pools (null or absent), and nonsense prices, cost 0. */
export function pricePerImageOf(pool: Pick<PoolView, 'pricePerImage'>): number {
  const price = pool.pricePerImage;
  return price !== undefined && price !== null && Number.isFinite(price) && price > 0 ? price : 0;
}

/** What the request costs on the pool, USD: its price per image times the request's images. */
export function requestCost(
  pool: Pick<PoolView, 'pricePerImage'>,
  request: Pick<RoutingRequest, 'images'>,
): number {
  return pricePerImageOf(pool) * Math.max(1, request.images);
}

/** Whether a prediction meets the objective with `margin` (default `SPILL_MARGIN`) to spare. */
export function meetsObjective(predictedMs: number, objectiveMs: number, margin = SPILL_MARGIN): boolean {
  return predictedMs * (1 + margin) <= objectiveMs;
}

/**
 * The cheapest candidate predicted to meet the objective (ties on cost: the earliest finisher,
 * then the first given), or undefined when none does.
 *
 * @example
 * cheapestMeeting(scored, request, 8_000) ?? fastestOf(scored);
 */
export function cheapestMeeting(
  candidates: readonly ScoredPool[],
  request: Pick<RoutingRequest, 'images'>,
  objectiveMs: number,
  margin = SPILL_MARGIN,
): ScoredPool | undefined {
  let best: ScoredPool | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (!meetsObjective(candidate.predictedMs, objectiveMs, margin)) continue;
    const cost = requestCost(candidate.pool, request);
    if (cost < bestCost || (cost === bestCost && best && candidate.predictedMs < best.predictedMs)) {
      best = candidate;
      bestCost = cost;
    }
  }
  return best;
}

/** The earliest finisher; on a tie the first given. */
export function fastestOf(candidates: readonly ScoredPool[]): ScoredPool | undefined {
  let best: ScoredPool | undefined;
  for (const candidate of candidates) if (!best || candidate.predictedMs < best.predictedMs) best = candidate;
  return best;
}

/** Pools of one price band, prepared for weighted sampling (positions index the fleet index's pools). */
export interface PriceBand {
  /** The band's lowest price per image, USD. */
  readonly price: number;
  readonly positions: Int32Array;
  /** Running sum of the members' sampling weights, same order as `positions`. */
  readonly cumulativeWeight: Float64Array;
  readonly totalWeight: number;
}

/**
 * Groups pools by price per image, cheapest first, each band with its own running sum of sampling
 * weights, so a decision can sample the cheap pools first. More than `MAX_PRICE_BANDS` distinct
 * prices are merged into that many bands of about as many prices each. One band when every pool
 * costs the same.
 */
export function priceBandsOf(pools: readonly PoolView[], weights: readonly number[]): PriceBand[] {
  const prices = [...new Set(pools.map(pricePerImageOf))].sort((a, b) => a - b);
  const bandCount = Math.min(prices.length, MAX_PRICE_BANDS);
  const bandOfPrice = new Map(
    prices.map((price, rank) => [price, Math.floor((rank * bandCount) / prices.length)]),
  );
  const members: number[][] = Array.from({ length: bandCount }, () => []);
  pools.forEach((pool, position) => {
    members[bandOfPrice.get(pricePerImageOf(pool)) ?? 0]?.push(position);
  });
  return members.map((positions) => {
    const cumulativeWeight = new Float64Array(positions.length);
    let total = 0;
    positions.forEach((position, at) => {
      total += Math.max(0, weights[position] ?? 0);
      cumulativeWeight[at] = total;
    });
    const first = pools[positions[0] ?? 0];
    return {
      price: first ? pricePerImageOf(first) : 0,
      positions: Int32Array.from(positions),
      cumulativeWeight,
      totalWeight: total,
    };
  });
}

/** A position (in the fleet index) drawn from the band in proportion to sampling weight. */
export function sampleBand(band: PriceBand, random: () => number): number {
  const target = random() * band.totalWeight;
  let low = 0;
  let high = band.positions.length - 1;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((band.cumulativeWeight[middle] ?? 0) > target) high = middle;
    else low = middle + 1;
  }
  return band.positions[low] ?? -1;
}

/**
 * The tier's latency objective, ms, or undefined when the policy sets none for it (or a
 * non-positive one). Put it on the request as `objectiveMs`.
 *
 * @example
 * objectiveFor({ telemetryTtlMs: 5_000, defaultJobMs: 1_000, tierObjectivesMs: { paid: 8_000 } }, 'paid'); // 8000
 */
export function objectiveFor(
  policy: Pick<RoutingPolicy, 'tierObjectivesMs'>,
  tier: Tier,
): number | undefined {
  const objective = policy.tierObjectivesMs?.[tier];
  return objective !== undefined && Number.isFinite(objective) && objective > 0 ? objective : undefined;
}

/**
 * The objective the load forecast assumes requests carry (`SpillForecast`): the loosest the policy
 * sets for any tier, since the cheap pools fill until even the loosest requests spill. Undefined
 * when no tier has one: the forecast then assumes no spill.
 */
export function forecastObjectiveOf(policy: Pick<RoutingPolicy, 'tierObjectivesMs'>): number | undefined {
  const objectives = Object.values(policy.tierObjectivesMs ?? {}).filter(
    (objective): objective is number => objective !== undefined && objective > 0,
  );
  return objectives.length > 0 ? Math.max(...objectives) : undefined;
}

/** Each pool position's band (0 cheapest), from `priceBandsOf`. */
export function bandOfPositions(bands: readonly PriceBand[], pools: number): Int32Array {
  const bandOf = new Int32Array(pools);
  bands.forEach((band, index) => {
    for (const position of band.positions) bandOf[position] = index;
  });
  return bandOf;
}

/**
 * Whether a queued request may move to a pricier pool on acknowledgement: only when, with an
 * objective, where it waits now is predicted to miss it. Moves that cost no more, and any move
 * without an objective, are left to `shouldReroute`'s latency rule.
 */
export function spillAllowsMove(move: {
  readonly remainingMs: number;
  readonly objectiveMs?: number | undefined;
  /** The request's cost where it waits and at the alternative, USD (`requestCost`). */
  readonly cost?: number | undefined;
  readonly alternativeCost?: number | undefined;
  /** Default `SPILL_MARGIN`. */
  readonly spillMargin?: number | undefined;
}): boolean {
  if (move.objectiveMs === undefined) return true;
  if ((move.alternativeCost ?? 0) <= (move.cost ?? 0)) return true;
  return !meetsObjective(move.remainingMs, move.objectiveMs, move.spillMargin ?? SPILL_MARGIN);
}
