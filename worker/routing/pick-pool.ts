import { eligiblePools } from './eligibility.ts';
import type { LocalObservations, PoolView, RoutingPolicy, RoutingRequest } from './fleet-view.ts';
import { fleetMedianJobMs, predictedCompletionMs } from './scoring.ts';

/** A pool and its predicted completion time. */
export interface ScoredPool {
  readonly pool: PoolView;
  readonly predictedMs: number;
}

/** Everything a routing decision needs; `random` returns [0, 1). */
export interface RoutingInput {
  readonly pools: readonly PoolView[];
  readonly request: RoutingRequest;
  readonly observations: LocalObservations;
  readonly policy: RoutingPolicy;
  readonly now: number;
  readonly random: () => number;
}

/**
 * Orders the eligible pools for a request: the first is where to send it, the rest are the
 * failover order.
 *
 * The first is chosen by two random choices weighted by capacity (slots), keeping the one that
 * is predicted to finish sooner. Many isolates share the same slightly stale snapshot; if each
 * sent everything to the single best pool they would all pile onto it at once ("How useful is
 * old information?", Mitzenmacher, IEEE TPDS 2000). Two choices keep most of the benefit of
 * picking the best while spreading load. Failover then goes best-first.
 */
export function rankPools(input: RoutingInput): ScoredPool[] {
  const eligible = eligiblePools(input.pools, input.request, input.observations, input.policy, input.now);
  const fallbackJobMs = fleetMedianJobMs(eligible, input.policy);
  const scored = eligible.map((pool) => ({
    pool,
    predictedMs: predictedCompletionMs(pool, input.request, input.observations, input.policy, fallbackJobMs),
  }));
  if (scored.length <= 1) return scored;
  const first = sampleByCapacity(scored, input.random);
  const second = sampleByCapacity(
    scored.filter((candidate) => candidate !== first),
    input.random,
  );
  const chosen = second && second.predictedMs < first.predictedMs ? second : first;
  const rest = scored
    .filter((candidate) => candidate !== chosen)
    .sort((a, b) => a.predictedMs - b.predictedMs);
  return [chosen, ...rest];
}

/** Picks one candidate with probability proportional to its slots. */
function sampleByCapacity<T extends { pool: PoolView }>(candidates: readonly T[], random: () => number): T {
  const total = candidates.reduce((sum, candidate) => sum + Math.max(1, candidate.pool.slots), 0);
  let target = random() * total;
  for (const candidate of candidates) {
    target -= Math.max(1, candidate.pool.slots);
    if (target < 0) return candidate;
  }
  const last = candidates.at(-1);
  if (!last) throw new Error('sampleByCapacity needs at least one candidate');
  return last;
}
