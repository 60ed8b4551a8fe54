import { dynamicIneligibility } from './eligibility.ts';
import { type CandidateHints, completionOnBothLoadsMs, expectedCompletionMs } from './expected-completion.ts';
import { type FleetIndex, indexFleet, samplePosition, weightAt } from './fleet-index.ts';
import type { LocalObservations, PoolView, RoutingPolicy, RoutingRequest, ScoredPool } from './fleet-view.ts';
import { blendedCompletionMs } from './load-forecast.ts';
import { choicesAt, choicesFor, typicalImagesIn, workInTypicalImages } from './request-size.ts';
import { cheapestMeeting, fastestOf, type PriceBand, sampleBand } from './spill.ts';
import { tiePartnerSecond } from './tie.ts';
import { requestShape } from './work-model.ts';

/** Everything a routing decision needs; `random` returns [0, 1). */
export interface RoutingInput {
  readonly pools: readonly PoolView[];
  readonly request: RoutingRequest;
  readonly observations: LocalObservations;
  readonly policy: RoutingPolicy;
  readonly now: number;
  readonly random: () => number;
}

/** A decision against a prepared index (see `indexFleet`). */
export type IndexedRoutingInput = Omit<RoutingInput, 'pools'>;

/** Rejected samples tolerated per wanted candidate before scanning every pool instead. */
const SAMPLE_TRIES_PER_CHOICE = 4;

/**
 * Orders the eligible pools for a request: the first is where to send it, the rest are the
 * failover order, best first. Scores every pool; for large fleets prefer `pickPools` on an
 * index built once per snapshot.
 *
 * The first is the best of `choicesFor` pools (`DEFAULT_CHOICES`, more for small requests)
 * sampled in proportion to throughput, scored by `expectedCompletionMs` (a large request also by
 * the delay it would add beside it, `bestFor`). Many isolates share the same slightly stale
 * snapshot; if each sent everything to the single best pool they would all pile onto it at once
 * ("How useful is old information?", Mitzenmacher, IEEE TPDS 2000). Random choices spread the
 * load, and the load forecast (`forecastLoads`) scores each pool as full as the herd has made it.
 */
export function rankPools(input: RoutingInput): ScoredPool[] {
  const index = indexFleet(input.pools, input.request.model, input.policy);
  const work = workInTypicalImages(index, input.request);
  const scoring = scoringFor(work);
  const scored = index.pools
    .filter(
      (pool) =>
        dynamicIneligibility(pool, input.request, input.observations, input.policy, input.now) === null,
    )
    .map((pool) => score(index, input, pool, scoring));
  if (scored.length <= 1) return scored;
  const objectiveMs = input.request.objectiveMs;
  if (objectiveMs !== undefined && index.priceBands.length > 1) {
    const [spilled] = pickSpilling(index, input, objectiveMs, 1);
    const others = scored.filter((entry) => entry.pool !== spilled?.pool).sort(byPredicted);
    return spilled ? [spilled, ...others] : others;
  }
  const drawn = sampleDistinct(scored, choicesAt(index, work), index, input.random);
  const chosen = bestFor(drawn);
  const rest = tiePartnerSecond(scored.filter((entry) => entry !== chosen).sort(byPredicted), chosen);
  return chosen ? [chosen, ...rest] : rest;
}

/**
 * The same decision as `rankPools` in O(choices · log pools): samples from a prepared index,
 * rejecting samples that fail the per-request checks, and returns at most `maxCandidates` pools
 * (the pick, then failover candidates best first).
 *
 * @example
 * const index = indexFleet(pools, request.model, policy); // once per snapshot
 * const [first, ...failover] = pickPools(index, { request, observations, policy, now, random });
 */
export function pickPools(index: FleetIndex, input: IndexedRoutingInput, maxCandidates = 3): ScoredPool[] {
  const objectiveMs = input.request.objectiveMs;
  if (objectiveMs !== undefined && index.priceBands.length > 1) {
    return pickSpilling(index, input, objectiveMs, maxCandidates);
  }
  const shape = requestShape(input.request, index.fleet.typical);
  const work = typicalImagesIn(index, shape);
  const choices = choicesAt(index, work);
  const scoring = scoringFor(work);
  const wanted = Math.max(choices, maxCandidates);
  const picked: ScoredPool[] = [];
  // At most `wanted` x `SAMPLE_TRIES_PER_CHOICE` draws: a scan of them is cheaper than a set.
  const seen: number[] = [];
  for (let tries = 0; picked.length < wanted && tries < wanted * SAMPLE_TRIES_PER_CHOICE; tries++) {
    const position = samplePosition(index, input.random);
    if (seen.includes(position)) continue;
    seen.push(position);
    const pool = index.pools[position];
    if (!pool) continue;
    if (dynamicIneligibility(pool, input.request, input.observations, input.policy, input.now) !== null) {
      continue;
    }
    picked.push(score(index, input, pool, scoring, { position, shape }));
  }
  // Few pools, or most of them excluded: rejection sampling would miss the survivors.
  if (picked.length < Math.min(choices, index.pools.length)) {
    return rankPools({ ...input, pools: index.pools }).slice(0, maxCandidates);
  }
  const chosen = bestFor(picked.slice(0, choices));
  const rest = tiePartnerSecond(picked.filter((entry) => entry !== chosen).sort(byPredicted), chosen);
  return (chosen ? [chosen, ...rest] : rest).slice(0, maxCandidates);
}

/**
 * Weight of the delay a large request would add to the smaller images beside it, against its own
 * predicted completion (`bestFor`). In the simulator (mixed sizes, 4 seeds each) 0.5 on the whole
 * delay took p99 over the oracle's from 1.46 to 1.21 at `work-sublinear-rho-0.97` (p99 of slowdown
 * 1.94 -> 1.10), while 1 and 2 made `work-near-linear-rho-0.7`'s slowdown worse (2.16, 2.65);
 * counting only the part that falls on smaller images then took that point's slowdown 2.00 -> 1.79
 * and `work-sublinear-rho-0.7`'s 1.90 -> 1.59 (`bench/routing/README.md`). With that count, 0.3 and
 * 1 were both worse than 0.5 at `work-mixed-curves-rho-0.7` and `work-sublinear-rho-0.7`, while
 * large requests were scored on the forecast alone. Scored between the forecast and the known load
 * (`blendedCompletionMs`), they lean towards pools the forecast fills with small images, and the
 * full charge keeps them off: with 0.5, `work-near-linear-rho-0.7`'s slowdown went 1.228 -> 1.370;
 * with 1, 1.231, and better at 13 of 15 work points; 1.5 was no better.
 */
export const CO_RUNNER_DELAY_WEIGHT = 1;

/**
 * The pick among the scored candidates: the earliest predicted completion, except for a request
 * scored with `coRunnerDelayMs` (more work than a typical image, `isLargeRequest`), which is also
 * charged `CO_RUNNER_DELAY_WEIGHT` of the delay it would add to the smaller images already running
 * beside it (`delayToBatchMs`). Each isolate sees only its own request's completion; a big one
 * that lands beside small ones makes each of them step at its pace (on a near-linear curve, a
 * 64 px image beside ten 1024 px ones steps hundreds of times slower), and that cost, paid by
 * others, is what the p99 of slowdown shows. Charged with it, big requests gather where work as
 * big already runs, the pool is idle or the batch is flat, and small ones find the pools they
 * leave.
 */
function bestFor(candidates: readonly ScoredPool[]): ScoredPool | undefined {
  let best: ScoredPool | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const cost = candidate.predictedMs + CO_RUNNER_DELAY_WEIGHT * (candidate.coRunnerDelayMs ?? 0);
    if (cost < bestCost) {
      best = candidate;
      bestCost = cost;
    }
  }
  return best;
}

/**
 * The pick for a request with an objective on a fleet of several prices (`spill.ts`): the price
 * bands cheapest first, each sampled like the whole fleet without one (`choicesFor` candidates in
 * proportion to throughput, scored on the same forecast); the first band with a candidate predicted
 * to meet the objective gives the cheapest such candidate. Sampling the fleet as a whole would let
 * a draw of only priced pools spill a request that an owned pool could have met. When no band
 * meets it: the earliest finisher of everything scored. Failover: the other candidates scored
 * (from the next bands too when the pick's band has too few), best predicted first.
 */
function pickSpilling(
  index: FleetIndex,
  input: IndexedRoutingInput,
  objectiveMs: number,
  maxCandidates: number,
): ScoredPool[] {
  const choices = choicesFor(index, input.request);
  const scored: ScoredPool[] = [];
  let chosen: ScoredPool | undefined;
  for (const band of index.priceBands) {
    // Past the pick, further bands only fill the failover order.
    if (chosen && scored.length >= maxCandidates) break;
    const drawn = bandCandidates(index, band, input, choices);
    scored.push(...drawn);
    // Cheaper bands already missed, so only this band's draws can be the cheapest that meets it.
    chosen ??= cheapestMeeting(drawn, input.request, objectiveMs, input.policy.spillMargin);
  }
  chosen ??= fastestOf(scored);
  const rest = scored.filter((entry) => entry !== chosen).sort(byPredicted);
  return (chosen ? [chosen, ...rest] : rest).slice(0, maxCandidates);
}

/** `choices` eligible pools of the band, sampled by weight; all of them when the band is that small or mostly excluded. */
function bandCandidates(
  index: FleetIndex,
  band: PriceBand,
  input: IndexedRoutingInput,
  choices: number,
): ScoredPool[] {
  const eligibleAt = (position: number) => {
    const pool = index.pools[position];
    return pool &&
      dynamicIneligibility(pool, input.request, input.observations, input.policy, input.now) === null
      ? pool
      : undefined;
  };
  if (band.positions.length > choices && band.totalWeight > 0) {
    const picked: ScoredPool[] = [];
    const seen = new Set<number>();
    for (let tries = 0; picked.length < choices && tries < choices * SAMPLE_TRIES_PER_CHOICE; tries++) {
      const position = sampleBand(band, input.random);
      if (seen.has(position)) continue;
      seen.add(position);
      const pool = eligibleAt(position);
      if (pool) picked.push(score(index, input, pool));
    }
    if (picked.length >= choices) return picked;
  }
  const all: ScoredPool[] = [];
  for (const position of band.positions) {
    const pool = eligibleAt(position);
    if (pool) all.push(score(index, input, pool));
  }
  return all;
}

/** What a candidate is scored on besides its predicted completion (`ScoredPool`). */
type Scoring = 'plain' | 'co-runner-delay' | 'known-load';

/**
 * For a request of `work` typical images (`workInTypicalImages`): a large one is charged its
 * co-runner delay (`bestFor`), a small one also scored on known load (`tiePartnerSecond`).
 */
function scoringFor(work: number): Scoring {
  if (work > 1) return 'co-runner-delay';
  return work < 1 ? 'known-load' : 'plain';
}

function score(
  index: FleetIndex,
  input: IndexedRoutingInput,
  pool: PoolView,
  scoring: Scoring = 'plain',
  hints: CandidateHints = {},
): ScoredPool {
  const scored = scoreOn(index, input, pool, scoring, hints);
  // Figures that give no number (NaN) must rank a pool last, not wherever a comparison leaves it.
  return Number.isNaN(scored.predictedMs) ? { ...scored, predictedMs: Number.POSITIVE_INFINITY } : scored;
}

function scoreOn(
  index: FleetIndex,
  input: IndexedRoutingInput,
  pool: PoolView,
  scoring: Scoring,
  hints: CandidateHints,
): ScoredPool {
  if (scoring !== 'plain') {
    const { predictedMs, knownMs, coRunnerDelayMs } = completionOnBothLoadsMs(
      pool,
      input.request,
      input.observations,
      index.fleet,
      input.now,
      { coRunnerDelay: scoring === 'co-runner-delay', ...hints },
    );
    const blended = blendedCompletionMs(predictedMs, knownMs);
    return scoring === 'known-load'
      ? { pool, predictedMs: blended, knownMs }
      : { pool, predictedMs: blended, coRunnerDelayMs: coRunnerDelayMs ?? 0 };
  }
  return {
    pool,
    predictedMs: expectedCompletionMs(pool, input.request, input.observations, index.fleet, input.now, hints),
  };
}

function byPredicted(a: ScoredPool, b: ScoredPool): number {
  return a.predictedMs - b.predictedMs;
}

/** Up to `count` distinct candidates drawn in proportion to throughput, without replacement. */
function sampleDistinct(
  candidates: readonly ScoredPool[],
  count: number,
  index: FleetIndex,
  random: () => number,
): ScoredPool[] {
  const remaining = [...candidates];
  const drawn: ScoredPool[] = [];
  while (drawn.length < count && remaining.length > 0) {
    const weights = remaining.map((entry) =>
      weightAt(index, index.fleet.positions.get(entry.pool.poolId) ?? -1),
    );
    let target = random() * weights.reduce((sum, weight) => sum + weight, 0);
    let position = remaining.length - 1;
    for (let at = 0; at < weights.length; at++) {
      target -= weights[at] ?? 0;
      if (target < 0) {
        position = at;
        break;
      }
    }
    const [entry] = remaining.splice(position, 1);
    if (entry) drawn.push(entry);
  }
  return drawn;
}
