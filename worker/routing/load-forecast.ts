import type { Load } from './pool-load.ts';
import {
  type Ahead,
  drainPerMs,
  type ImageWork,
  type PoolSpeed,
  requestShape,
  serviceMs,
  type TypicalImage,
} from './work-model.ts';

/** A pool with work left keeps at least part of an image in its batch (the last one finishing). */
const MIN_IMAGES_WHILE_LOADED = 1;

/**
 * Each pool's expected load (queued + running work, megapixel-steps) over the next few seconds of a snapshot's life,
 * as every isolate together will make it. Built once per snapshot (see `forecastLoads`).
 */
export interface LoadForecast {
  /** Epoch ms the forecast starts at: the newest report in the snapshot. */
  readonly startsAt: number;
  /** ms between rows. */
  readonly rowMs: number;
  readonly rows: number;
  readonly pools: number;
  /** `loads[row * pools + position]`: the pool's work `row * rowMs` after `startsAt`. */
  readonly loads: Float64Array;
}

/**
 * How requests with an objective spill by cost (`spill.ts`), for the forecast: each pool's price
 * band (0 cheapest), and the objective and margin a typical request is routed with.
 */
export interface SpillForecast {
  readonly bandOf: Int32Array;
  readonly bands: number;
  readonly objectiveMs: number;
  readonly margin: number;
}

/** How far ahead the forecast runs, ms; past a few job times the fleet has rebalanced anyway. */
export const FORECAST_HORIZON_MS = 3_000;
/** Rows in the forecast: a step of 100 ms, short against a typical job (0.5-3 s), long against a decision. */
const FORECAST_ROWS = 30;

/**
 * Replays the fleet forward from a snapshot, assuming every isolate routes as this code does.
 *
 * Many isolates decide on the same slightly stale snapshot; taken at face value, the pool that
 * looked emptiest when it was taken draws them all ("How useful is old information?",
 * Mitzenmacher, IEEE TPDS 2000). But every isolate runs this same code on nearly the same
 * figures, so each can replay what all of them together will do. In steps of `rowMs`:
 * - the fleet's arrivals are its completion rate in the snapshot (what it is in steady state),
 *   in work per ms;
 * - power-of-d keeps a pool when it is the best of the d drawn (for a typical image), so a pool
 *   gets the share ((S + w)^d - S^d) / W^d of them, where w is its sampling weight, S the weight
 *   of the pools that look worse at that moment and W the total (ties split by weight);
 * - each pool drains at the throughput of its batch (`drainPerMs`, its curve).
 * Scoring then reads the load a pool has by now in the replay instead of the load it had when
 * the snapshot was taken, so the pool the herd is filling looks as full as the herd has made it,
 * and the order moves on to the next pool as the replay fills each one.
 *
 * `speeds`, `loads` (at the snapshot), `imageWork` (how a pool's work splits into images: work
 * that arrives or drains counts as waiting images) and `weights` are per pool, in the same order;
 * `startsAt` is the snapshot's newest report.
 *
 * With `spill` (requests carry an objective and pools differ in price), the arrivals go to the
 * cheapest band first: a band keeps the share for which at least one of its d draws meets the
 * objective, 1 - (1 - w_meets / W_band)^d, spread inside it by power-of-d; what is left moves to
 * the next band, and what no band meets is spread over the whole fleet as without an objective.
 * Without it, the cheap pools the isolates fill first would be forecast as lightly loaded as their
 * throughput share, and the herd would overfill them past the objective.
 */
export function forecastLoads(
  speeds: readonly PoolSpeed[],
  loads: readonly Load[],
  imageWork: readonly ImageWork[],
  weights: readonly number[],
  choices: number,
  startsAt: number,
  typical: TypicalImage,
  spill?: SpillForecast,
): LoadForecast {
  const count = speeds.length;
  const load = Float64Array.from(loads, (entry) => entry.work);
  const probe = requestShape({ images: 1 }, typical);
  const typicalWork = typical.steps * typical.imageMegapixels;
  // What is ahead of a request at each pool as its work moves, reused row after row.
  const aheads = loads.map((base, at) => ({
    images: base.images,
    perWaitingImage: imageWork[at]?.perWaitingImage || typicalWork,
    imageMegapixels: imageWork[at]?.imageMegapixels || typical.imageMegapixels,
  }));
  const aheadOf = (at: number): Ahead => {
    const ahead = aheads[at] ?? { images: 0, perWaitingImage: typicalWork, imageMegapixels: 1 };
    const base = loads[at];
    ahead.images = Math.max(
      0,
      (base?.images ?? 0) + ((load[at] ?? 0) - (base?.work ?? 0)) / ahead.perWaitingImage,
    );
    return ahead;
  };
  const drainOf = (at: number) => {
    const speed = speeds[at];
    if (!speed || (load[at] ?? 0) <= 0) return 0;
    const ahead = aheadOf(at);
    return drainPerMs(speed, Math.max(ahead.images, MIN_IMAGES_WHILE_LOADED), ahead.imageMegapixels);
  };
  const rowMs = FORECAST_HORIZON_MS / FORECAST_ROWS;
  const rows = new Float64Array((FORECAST_ROWS + 1) * count);
  rows.set(load);
  let arrivalsPerMs = 0;
  let totalWeight = 0;
  for (let at = 0; at < count; at++) {
    arrivalsPerMs += drainOf(at);
    totalWeight += weights[at] ?? 0;
  }
  const predicted = new Float64Array(count);
  const worstFirst = Array.from({ length: count }, (_, at) => at);
  const byPredictedDescending = (a: number, b: number) => {
    const later = predicted[b] ?? 0;
    const earlier = predicted[a] ?? 0;
    // Equal, infinite ones included (Infinity - Infinity is NaN, which no sort can order by).
    return later === earlier ? 0 : later - earlier;
  };
  for (let row = 1; row <= FORECAST_ROWS; row++) {
    for (let at = 0; at < count; at++) {
      const speed = speeds[at];
      const ms = speed ? serviceMs(speed, aheadOf(at), probe, typical) : Number.NaN;
      // A pool whose figures give no number ranks last: NaN equals nothing, so the grouping below
      // could never step past it.
      predicted[at] = Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
    }
    // Each row starts from the order of the row before, nearly sorted: the runtime's merge sort
    // (stable, as the ties' grouping needs) takes it in about linear time. Insertion sort, used
    // before, was as quick only while few pools moved: at 1,000 pools a build took about 10% longer.
    worstFirst.sort(byPredictedDescending);
    const bandShares = spill ? spillShares(spill, predicted, weights, choices) : null;
    const arriving = arrivalsPerMs * rowMs * (bandShares ? bandShares.rest : 1);
    const worseInBand = bandShares ? new Float64Array(bandShares.taken.length) : null;
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
      const inBand =
        bandShares && worseInBand ? groupWeightsByBand(spill, worstFirst, start, end, weights) : null;
      for (let member = start; member < end; member++) {
        const at = worstFirst[member] ?? 0;
        const part = groupWeight > 0 ? (weights[at] ?? 0) / groupWeight : 0;
        const drained = rowMs * drainOf(at);
        let spilled = 0;
        if (bandShares && worseInBand && inBand && spill) {
          const band = spill.bandOf[at] ?? 0;
          const total = bandShares.weight[band] ?? 0;
          const group = inBand[band] ?? 0;
          const below = worseInBand[band] ?? 0;
          const bandShare = total > 0 ? ((below + group) / total) ** choices - (below / total) ** choices : 0;
          spilled =
            arrivalsPerMs *
            rowMs *
            (bandShares.taken[band] ?? 0) *
            bandShare *
            (group > 0 ? (weights[at] ?? 0) / group : 0);
        }
        load[at] = Math.max(0, (load[at] ?? 0) + arriving * share * part + spilled - drained);
      }
      if (inBand && worseInBand)
        inBand.forEach((weight, band) => {
          worseInBand[band] = (worseInBand[band] ?? 0) + weight;
        });
      worse += groupWeight;
      start = end;
    }
    rows.set(load, row * count);
  }
  return { startsAt, rowMs, rows: FORECAST_ROWS, pools: count, loads: rows };
}

/**
 * Per band, the share of all arrivals it keeps (cheapest first: the share left to it times the
 * chance one of its d draws meets the objective), its total weight, and the share no band meets.
 */
function spillShares(
  spill: SpillForecast,
  predicted: Float64Array,
  weights: readonly number[],
  choices: number,
): { taken: Float64Array; weight: Float64Array; rest: number } {
  const weight = new Float64Array(spill.bands);
  const meeting = new Float64Array(spill.bands);
  for (let at = 0; at < predicted.length; at++) {
    const band = spill.bandOf[at] ?? 0;
    weight[band] = (weight[band] ?? 0) + (weights[at] ?? 0);
    if ((predicted[at] ?? 0) * (1 + spill.margin) <= spill.objectiveMs)
      meeting[band] = (meeting[band] ?? 0) + (weights[at] ?? 0);
  }
  const taken = new Float64Array(spill.bands);
  let rest = 1;
  for (let band = 0; band < spill.bands; band++) {
    const total = weight[band] ?? 0;
    const meets = total > 0 ? 1 - (1 - (meeting[band] ?? 0) / total) ** choices : 0;
    taken[band] = rest * meets;
    rest -= taken[band] ?? 0;
  }
  return { taken, weight, rest };
}

/** The weight of the pools `worstFirst[start..end)` in each band. */
function groupWeightsByBand(
  spill: SpillForecast | undefined,
  worstFirst: readonly number[],
  start: number,
  end: number,
  weights: readonly number[],
): Float64Array {
  const byBand = new Float64Array(spill?.bands ?? 0);
  for (let member = start; member < end; member++) {
    const at = worstFirst[member] ?? 0;
    const band = spill?.bandOf[at] ?? 0;
    byBand[band] = (byBand[band] ?? 0) + (weights[at] ?? 0);
  }
  return byBand;
}

/**
 * What a pick scores a request of other than the typical size on (`pickPools`): the geometric mean
 * of its completion on the forecast load and on the load known to be there (`forecastArrivals:
 * false`). The forecast replays the other isolates' arrivals as typical images routed by power of
 * d; where sizes mix, they do not land so. Large requests gather where large work runs (the
 * co-runner charge) and on the pools that batch it best, small ones spread over every pool. So the
 * forecast misplaces the work it adds, while its total is right (in the simulator at
 * `work-mixed-curves-rho-0.7`, 159 work per s forecast against 161 arriving). Measured there on
 * every fifth decision, the images a request would find ahead, forecast / known / true on
 * average: 0.96 / 0.23 / 0.65 on a near-linear pool (`eu-b-1`), 2.31 / 0.68 / 1.75 on another
 * (`us-d-1`), 7.55 / 5.52 / 8.57 on a sublinear one (`eu-a-1`). The known load is short
 * everywhere (arrivals since the snapshot are missing), the forecast long or short by pool; the
 * truth lies between. With every request typical the forecast is what the traffic does (on an
 * all near-linear fleet, 1.75 / 1.11 / 1.70 at `eu-b-1`), and a typical request is scored on it
 * alone. Scored between the two views (and the large requests' delay charge doubled,
 * `CO_RUNNER_DELAY_WEIGHT`), `work_grid_max_p99_over_oracle` went 1.190 -> 1.163 and
 * `work_grid_max_p99_slowdown_over_oracle` 1.336 -> 1.316 (`bench/routing/README.md`).
 */
export function blendedCompletionMs(forecastMs: number, knownMs: number): number {
  return Math.sqrt(forecastMs * knownMs);
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
