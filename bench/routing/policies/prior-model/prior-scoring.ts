import type { LocalObservations, PoolView, RoutingPolicy } from '../../../../worker/routing/index.ts';
import { FORECAST_HORIZON_MS, type LoadForecast } from '../../../../worker/routing/load-forecast.ts';

// worker/routing's completion model before issue 13, frozen for the `prior-edge` and
// `two-choices` baselines: loads in images, every job the same, and one batching prior for every
// pool (a full batch steps 25% slower than one image). Kept verbatim apart from names.

/** How much slower a step gets when the batch is full rather than empty (the old prior). */
export const FULL_BATCH_SLOWDOWN = 0.25;

/**
 * Time for `images` more images on a pool already carrying `load`, ms: while load + images fit
 * in the slots the request starts at once and takes one job time, stretched a little by the
 * batch it joins; beyond that, the overflow drains at `slots` jobs per job time.
 */
export function priorServiceMs(load: number, images: number, slots: number, jobMs: number): number {
  const overflow = Math.max(0, load + images - slots);
  const batchSlowdown = 1 + (FULL_BATCH_SLOWDOWN * Math.min(load, slots)) / slots;
  return jobMs * batchSlowdown * (1 + overflow / slots);
}

/** Queued + running images from whichever of the snapshot and the piggybacked figures is newer. */
export function seenLoad(pool: PoolView, observations: LocalObservations): { load: number; at: number } {
  const piggybacked = observations.piggybacked.get(pool.poolId);
  const reportedAt = pool.reportedAt ?? 0;
  if (piggybacked !== undefined && piggybacked.at > reportedAt) {
    return { load: piggybacked.queued + piggybacked.running, at: piggybacked.at };
  }
  return { load: pool.queued + pool.running, at: reportedAt };
}

/**
 * The plain two-choices score: the seen load at face value plus every request this isolate has
 * in flight there, one image each, and the request's own `images`.
 */
export function priorPredictedCompletionMs(
  pool: PoolView,
  images: number,
  observations: LocalObservations,
  policy: RoutingPolicy,
  fallbackJobMs: number = policy.defaultJobMs,
): number {
  const load = seenLoad(pool, observations).load + (observations.inFlight.get(pool.poolId) ?? 0);
  return priorServiceMs(load, images, Math.max(1, pool.slots), pool.jobMs ?? fallbackJobMs);
}

/** The old acknowledgement estimate: `ahead` images in front, one image of the pool's job time. */
export function priorAcknowledgedRemainingMs(
  pool: PoolView,
  ahead: number,
  fallbackJobMs: number,
  returnTripMs: number,
): number {
  return returnTripMs + priorServiceMs(ahead, 1, Math.max(1, pool.slots), pool.jobMs ?? fallbackJobMs);
}

const FORECAST_ROWS = 30;

/** The old load forecast, in images (see worker/routing `forecastLoads` for the method). */
export function priorForecastLoads(
  pools: readonly PoolView[],
  jobMs: Float64Array,
  weights: readonly number[],
  choices: number,
  startsAt: number,
): LoadForecast {
  const count = pools.length;
  const load = Float64Array.from(pools, (pool) => pool.queued + pool.running);
  const slots = Float64Array.from(pools, (pool) => Math.max(1, pool.slots));
  const rowMs = FORECAST_HORIZON_MS / FORECAST_ROWS;
  const loads = new Float64Array((FORECAST_ROWS + 1) * count);
  loads.set(load);
  let arrivalsPerMs = 0;
  let totalWeight = 0;
  for (let at = 0; at < count; at++) {
    arrivalsPerMs += drainPerMs(load[at] ?? 0, slots[at] ?? 1, jobMs[at] ?? 1);
    totalWeight += weights[at] ?? 0;
  }
  const predicted = new Float64Array(count);
  const worstFirst = Array.from({ length: count }, (_, at) => at);
  for (let row = 1; row <= FORECAST_ROWS; row++) {
    for (let at = 0; at < count; at++) {
      predicted[at] = priorServiceMs(load[at] ?? 0, 1, slots[at] ?? 1, jobMs[at] ?? 1);
    }
    worstFirst.sort((a, b) => (predicted[b] ?? 0) - (predicted[a] ?? 0));
    const arriving = arrivalsPerMs * rowMs;
    let worse = 0;
    for (let start = 0; start < count; ) {
      const level = predicted[worstFirst[start] ?? 0];
      let end = start;
      let groupWeight = 0;
      for (; end < count && predicted[worstFirst[end] ?? 0] === level; end++) {
        groupWeight += weights[worstFirst[end] ?? 0] ?? 0;
      }
      const share =
        totalWeight > 0
          ? ((worse + groupWeight) / totalWeight) ** choices - (worse / totalWeight) ** choices
          : 0;
      for (let member = start; member < end; member++) {
        const at = worstFirst[member] ?? 0;
        const part = groupWeight > 0 ? (weights[at] ?? 0) / groupWeight : 0;
        const now = load[at] ?? 0;
        const drained = rowMs * drainPerMs(now, slots[at] ?? 1, jobMs[at] ?? 1);
        load[at] = Math.max(0, now + arriving * share * part - drained);
      }
      worse += groupWeight;
      start = end;
    }
    loads.set(load, row * count);
  }
  return { startsAt, rowMs, rows: FORECAST_ROWS, pools: count, loads };
}

/** Jobs per ms a pool carrying `load` finishes, under the prior. */
function drainPerMs(load: number, slots: number, jobMs: number): number {
  const busy = Math.min(load, slots);
  return busy / (jobMs * (1 + (FULL_BATCH_SLOWDOWN * busy) / slots));
}
