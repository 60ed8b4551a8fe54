import type { PoolView } from './fleet-view.ts';
import { FULL_BATCH_SLOWDOWN, serviceMs } from './scoring.ts';

/**
 * Per pool, how fast its load is expected to change while the snapshot ages, in jobs per ms:
 * arrivals minus completions.
 *
 * Every isolate runs this same code on nearly the same snapshot, so the isolate can work out
 * where the others are sending: a pool that looks best in the snapshot is drawn and kept by
 * power-of-d with probability ((S + w)^d - S^d) / W^d, where w is its sampling weight, S the
 * weight of the pools that look worse and W the total. Fleet arrivals (estimated as the
 * snapshot's completion rate, which they equal in steady state) times that share, minus the
 * pool's own completion rate, is its drift. Projecting loads forward by drift x age makes the
 * pool that looked idle a second ago look as full as the herd has made it by now, which is
 * what stale least-loaded gets wrong (Mitzenmacher, "How useful is old information?").
 */
export function herdDrift(
  pools: readonly PoolView[],
  weights: readonly number[],
  fallbackJobMs: number,
  choices: number,
): Float64Array {
  const drift = new Float64Array(pools.length);
  const completions = pools.map((pool) => completionRatePerMs(pool, fallbackJobMs));
  const arrivals = completions.reduce((sum, rate) => sum + rate, 0);
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total <= 0) return drift;
  const order = pools
    .map((pool, position) => ({
      position,
      predicted: serviceMs(
        pool.queued + pool.running,
        1,
        Math.max(1, pool.slots),
        pool.jobMs ?? fallbackJobMs,
      ),
    }))
    .sort((a, b) => b.predicted - a.predicted);
  let worse = 0;
  // Pools that tie split their group's share by weight, whatever order the sort left them in.
  for (let start = 0; start < order.length; ) {
    let end = start;
    let groupWeight = 0;
    while (end < order.length && order[end]?.predicted === order[start]?.predicted) {
      groupWeight += weights[order[end]?.position ?? 0] ?? 0;
      end++;
    }
    const share = ((worse + groupWeight) / total) ** choices - (worse / total) ** choices;
    for (let member = start; member < end; member++) {
      const position = order[member]?.position ?? 0;
      const part = groupWeight > 0 ? (weights[position] ?? 0) / groupWeight : 0;
      drift[position] = arrivals * share * part - (completions[position] ?? 0);
    }
    worse += groupWeight;
    start = end;
  }
  return drift;
}

/** Jobs per ms the pool finishes at its reported load. */
function completionRatePerMs(pool: PoolView, fallbackJobMs: number): number {
  const slots = Math.max(1, pool.slots);
  const busy = Math.min(pool.queued + pool.running, slots);
  const jobMs = (pool.jobMs ?? fallbackJobMs) * (1 + (FULL_BATCH_SLOWDOWN * busy) / slots);
  return busy / Math.max(1, jobMs);
}
