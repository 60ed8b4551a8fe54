import type { PoolView } from './fleet-view.ts';
import { FULL_BATCH_SLOWDOWN, serviceMs } from './scoring.ts';

/**
 * Each pool's expected load (queued + running) over the next few seconds of a snapshot's life,
 * as every isolate together will make it. Built once per snapshot (see `forecastLoads`).
 */
export interface LoadForecast {
  /** Epoch ms the forecast starts at: the newest report in the snapshot. */
  readonly startsAt: number;
  /** ms between rows. */
  readonly rowMs: number;
  readonly rows: number;
  readonly pools: number;
  /** `loads[row * pools + position]`: the pool's load `row * rowMs` after `startsAt`. */
  readonly loads: Float64Array;
}

/** How far ahead the forecast runs, ms; past a few job times the fleet has rebalanced anyway. */
export const FORECAST_HORIZON_MS = 3_000;
/** Rows in the forecast: a step of 100 ms, short against a job (0.5-3 s), long against a decision. */
const FORECAST_ROWS = 30;

/**
 * Replays the fleet forward from a snapshot, assuming every isolate routes as this code does.
 *
 * Many isolates decide on the same slightly stale snapshot; taken at face value, the pool that
 * looked emptiest when it was taken draws them all ("How useful is old information?",
 * Mitzenmacher, IEEE TPDS 2000). But every isolate runs this same code on nearly the same
 * figures, so each can replay what all of them together will do. In steps of `rowMs`:
 * - the fleet's arrivals are its completion rate in the snapshot (what it is in steady state);
 * - power-of-d keeps a pool when it is the best of the d drawn, so a pool gets the share
 *   ((S + w)^d - S^d) / W^d of them, where w is its sampling weight, S the weight of the pools
 *   that look worse at that moment and W the total (ties split by weight);
 * - each pool drains at its batch speed.
 * Scoring then reads the load a pool has by now in the replay instead of the load it had when
 * the snapshot was taken, so the pool the herd is filling looks as full as the herd has made it,
 * and the order moves on to the next pool as the replay fills each one.
 *
 * `jobMs` and `weights` are per pool, in `pools` order; `startsAt` is the snapshot's newest report.
 */
export function forecastLoads(
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
      predicted[at] = serviceMs(load[at] ?? 0, 1, slots[at] ?? 1, jobMs[at] ?? 1);
    }
    const byPredictedDescending = (a: number, b: number) => (predicted[b] ?? 0) - (predicted[a] ?? 0);
    // After the first row the order is nearly that of the row before: insertion sort is ~linear.
    if (row === 1) worstFirst.sort(byPredictedDescending);
    else insertionSort(worstFirst, byPredictedDescending);
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

/** The forecast load of the pool at `position` at epoch ms `at` (flat beyond either end). */
export function forecastLoadAt(forecast: LoadForecast, position: number, at: number): number {
  const offset = Math.min(Math.max(0, at - forecast.startsAt), forecast.rows * forecast.rowMs);
  const row = Math.min(forecast.rows - 1, Math.floor(offset / forecast.rowMs));
  const within = offset / forecast.rowMs - row;
  const before = forecast.loads[row * forecast.pools + position] ?? 0;
  const after = forecast.loads[(row + 1) * forecast.pools + position] ?? before;
  return before + (after - before) * within;
}

/** Jobs per ms a pool carrying `load` finishes. */
function drainPerMs(load: number, slots: number, jobMs: number): number {
  const busy = Math.min(load, slots);
  return busy / (jobMs * (1 + (FULL_BATCH_SLOWDOWN * busy) / slots));
}

function insertionSort(items: number[], compare: (a: number, b: number) => number): void {
  for (let next = 1; next < items.length; next++) {
    const item = items[next] ?? 0;
    let at = next - 1;
    for (; at >= 0 && compare(items[at] ?? 0, item) > 0; at--) items[at + 1] = items[at] ?? 0;
    items[at + 1] = item;
  }
}
