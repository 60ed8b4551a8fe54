import type { StepCurvePoint } from '../../shared/schemas/telemetry-report.ts';
import { stepMsAt } from '../../shared/step-curve.ts';
import { imageMegapixels } from '../../shared/work.ts';
import type { ModelDefaults, PoolView, RoutingRequest } from './fleet-view.ts';

/** One typical image of a model: its default steps and megapixels (`typicalImageOf`). */
export interface TypicalImage {
  readonly steps: number;
  readonly imageMegapixels: number;
}

/**
 * What the fleet assumes when nobody reports a model's defaults: one image is one unit of work
 * at one step, so work counts images (a fleet of old pools, or bare test fixtures).
 */
export const UNIT_IMAGE: TypicalImage = { steps: 1, imageMegapixels: 1 };

/** A request resolved for scoring: every field known and positive. */
export interface RequestShape {
  readonly images: number;
  readonly steps: number;
  readonly imageMegapixels: number;
  /** Megapixel-steps. */
  readonly work: number;
}

/**
 * How a pool turns work into time: its step curve (never empty: a pool that measured nothing
 * gets a stand-in, see `fleet-index.ts`), a factor on its step times, and its slots.
 */
export interface PoolSpeed {
  readonly curve: readonly StepCurvePoint[];
  /** Multiplies the curve's step times; below 1 while an idle pool's stale slow curve fades. */
  readonly scale: number;
  readonly slots: number;
}

/**
 * The defaults most pools serving `model` report (ties: the first reported), or null if none
 * does. The edge applies them to a request that leaves `steps` or `size` out.
 *
 * @example
 * const defaults = modelDefaultsOf(pools, 'spillway-tiny'); // { steps: 4, size: '256x256' }
 */
export function modelDefaultsOf(pools: readonly PoolView[], model: string): ModelDefaults | null {
  const votes = new Map<string, { defaults: ModelDefaults; count: number }>();
  let best: { defaults: ModelDefaults; count: number } | null = null;
  for (const pool of pools) {
    const defaults = pool.modelDefaults?.get(model);
    if (!defaults || !pool.models.includes(model)) continue;
    const key = `${defaults.steps}|${defaults.size}`;
    const entry = votes.get(key) ?? { defaults, count: 0 };
    entry.count++;
    votes.set(key, entry);
    if (!best || entry.count > best.count) best = entry;
  }
  return best?.defaults ?? null;
}

/** The typical image of a model from its defaults; `UNIT_IMAGE` without them. */
export function typicalImageOf(defaults: ModelDefaults | null): TypicalImage {
  const megapixels = defaults ? imageMegapixels(defaults.size) : 0;
  if (!defaults || !(megapixels > 0) || !(defaults.steps > 0)) return UNIT_IMAGE;
  return { steps: defaults.steps, imageMegapixels: megapixels };
}

/**
 * The request with every work field resolved: given fields win, `work` alone implies the steps
 * at the typical image size, and missing ones are the typical image's.
 */
export function requestShape(
  request: Pick<RoutingRequest, 'images' | 'work' | 'steps' | 'imageMegapixels'>,
  typical: TypicalImage,
): RequestShape {
  const images = Math.max(1, request.images);
  const megapixels = positive(request.imageMegapixels) ?? typical.imageMegapixels;
  const work = positive(request.work);
  const steps = positive(request.steps) ?? (work ? work / (images * megapixels) : typical.steps);
  return { images, steps, imageMegapixels: megapixels, work: work ?? images * steps * megapixels };
}

/**
 * The request as `pool` will run it: its adapter's own count of the work where that differs
 * (`RoutingRequest.workByProtocol`), with the steps then implied by that work.
 */
export function requestOnPool(request: RoutingRequest, pool: Pick<PoolView, 'protocol'>): RoutingRequest {
  const work = pool.protocol === undefined ? undefined : request.workByProtocol?.get(pool.protocol);
  if (work === undefined || work === request.work) return request;
  const { steps: _requested, ...rest } = request;
  return { ...rest, work };
}

/** How a pool's work splits into images, from its latest figures (`imageWorkOf`). */
export interface ImageWork {
  /** Work per image queued or running (what is left of it): how many images the work ahead is. */
  readonly perImage: number;
  /** Work of one image still waiting (all of it): what a slot's turn takes. */
  readonly perWaitingImage: number;
  /** Megapixels of one of its running images: how much batch an image ahead takes. */
  readonly imageMegapixels: number;
}

/**
 * Waits for a slot count this much more than their expected length. They are the least certain
 * part of a prediction (they hang on which running images finish first, which no figure says),
 * and a request that waits when it need not pays the most. In the simulator (bench/routing), p99
 * over the oracle went 1.075 -> 1.043 on the uniform headline point and 1.34 -> 1.27 on the
 * sublinear mixed-size one, with no loss elsewhere.
 */
export const QUEUE_WAIT_MARGIN = 1.25;

/** What is in front of a request at a pool, as `serviceMs` reads it. */
export interface Ahead {
  /** Images queued or running in front of it. */
  readonly images: number;
  /** Work of one waiting image: what a slot's turn takes. */
  readonly perWaitingImage: number;
  /** Megapixels of one image ahead. */
  readonly imageMegapixels: number;
}

/**
 * Expected ms until a request of `shape` finishes on a pool with `ahead` in front of it (no round
 * trip).
 *
 * A continuous batcher steps every running image together, each step taking the curve's time for
 * the batch's megapixels; an image holds a slot until its last step. So the request
 * - waits, if the images ahead leave fewer free slots than it has images, for that many more
 *   images to take their turn: each a waiting image's work at full-batch throughput (as do its
 *   own images beyond one batch, `n` > slots);
 * - then runs its steps in a batch of its own images plus as many others as are ahead, up to the
 *   slots: in steady state a batch stays as full as it is, new arrivals taking the places of
 *   finished images.
 *
 * On an idle pool that is steps x stepMs(own images). A pool with free slots but a full batch of
 * work is far from free on a near-linear curve (the request steps at the big batch's pace); a
 * short request beside long-running images waits for none of them to finish.
 */
export function serviceMs(
  speed: PoolSpeed,
  ahead: Ahead,
  shape: RequestShape,
  typical: TypicalImage,
): number {
  const { slots, perWave, own, room, images, megapixels } = placementOf(speed, ahead, shape, typical);
  const batch = Math.max(MIN_BATCH_MEGAPIXELS, own + Math.min(room, images) * megapixels);
  const runMs = shape.steps * curveStepMs(speed, batch);
  const perTurn = ahead.perWaitingImage > 0 ? ahead.perWaitingImage : typical.steps * typical.imageMegapixels;
  // Images ahead beyond the free room take their turns in a batch full of their own kind.
  const turns = Math.max(0, images - room);
  const others = Math.max(MIN_BATCH_MEGAPIXELS, slots * megapixels);
  const waitMs = turns > 0 ? (QUEUE_WAIT_MARGIN * turns * perTurn * curveStepMs(speed, others)) / others : 0;
  // Its own images beyond one batch run in waves of their own.
  const waves = (shape.images - perWave) / slots;
  if (!(waves > 0)) return waitMs + runMs;
  return waitMs + runMs + waves * shape.steps * curveStepMs(speed, Math.max(MIN_BATCH_MEGAPIXELS, own));
}

/**
 * How much a request would delay the images it runs beside, ms summed over them: the running
 * images that share its batch (as `serviceMs` places it) each step slower by what its own
 * megapixels add to the batch's step time, for as many steps as it has, counted in proportion to
 * how much smaller their images are than its own (`1 - theirs / its`). Beside images as large as
 * its own the slowing is mutual, and its own completion already prices it; beside small ones it
 * falls on others, many times their own time. 0 on an idle pool, beside images no smaller, or
 * where the curve is flat (a small model on a big GPU).
 */
export function delayToBatchMs(
  speed: PoolSpeed,
  ahead: Ahead,
  shape: RequestShape,
  typical: TypicalImage,
): number {
  const { own, room, images, megapixels } = placementOf(speed, ahead, shape, typical);
  const beside = Math.min(room, images);
  const smaller = 1 - megapixels / shape.imageMegapixels;
  if (beside <= 0 || !(smaller > 0)) return 0;
  const batch = Math.max(MIN_BATCH_MEGAPIXELS, beside * megapixels);
  return smaller * beside * (curveStepMs(speed, batch + own) - curveStepMs(speed, batch)) * shape.steps;
}

/** Where a request's first wave sits in a pool's batch, as `serviceMs` places it. */
function placementOf(speed: PoolSpeed, ahead: Ahead, shape: RequestShape, typical: TypicalImage) {
  const slots = Math.max(1, speed.slots);
  const perWave = Math.min(shape.images, slots);
  return {
    slots,
    /** Its images in one batch, and their megapixels. */
    perWave,
    own: perWave * shape.imageMegapixels,
    /** Slots its first wave leaves to the images ahead. */
    room: slots - perWave,
    images: Math.max(0, ahead.images),
    /** Megapixels of one image ahead. */
    megapixels: ahead.imageMegapixels > 0 ? ahead.imageMegapixels : typical.imageMegapixels,
  };
}

/**
 * Work per ms the pool finishes while `images` are queued or running, each of `imageMegapixels`:
 * the throughput of a batch of that many, at most a full one; 0 when empty.
 */
export function drainPerMs(speed: PoolSpeed, images: number, imageMegapixels: number): number {
  if (images <= 0) return 0;
  const batch = Math.max(MIN_BATCH_MEGAPIXELS, Math.min(Math.max(1, speed.slots), images) * imageMegapixels);
  return batch / curveStepMs(speed, batch);
}

/**
 * Throughput with a full batch of typical images, megapixel-steps per ms: how fast the pool
 * drains a backlog, and its sampling weight.
 */
export function fullBatchThroughput(speed: PoolSpeed, typical: TypicalImage): number {
  const batch = Math.max(MIN_BATCH_MEGAPIXELS, Math.max(1, speed.slots) * typical.imageMegapixels);
  return batch / curveStepMs(speed, batch);
}

/** Step time of a batch on this pool, ms (never below `MIN_STEP_MS`). */
export function curveStepMs(speed: PoolSpeed, batchMegapixels: number): number {
  return Math.max(MIN_STEP_MS, (stepMsAt(speed.curve, batchMegapixels) ?? MIN_STEP_MS) * speed.scale);
}

/**
 * A curve that assumes no batching gain from one measured point: a batch of one typical image
 * steps in `stepMs`, smaller batches no faster, bigger ones in proportion (`stepMsAt` past its
 * last point). The stand-in for a pool that has measured no curve.
 */
export function noGainCurve(typical: TypicalImage, stepMs: number): readonly StepCurvePoint[] {
  return [{ batch_megapixels: typical.imageMegapixels, step_ms: Math.max(MIN_STEP_MS, stepMs) }];
}

/**
 * The batch megapixels at which the curve steps in `stepMs` (the inverse of `stepMsAt`), or null
 * for an empty curve. Below the first point the curve is flat, so any smaller batch fits: the
 * first point's batch scaled by the step time is taken.
 */
export function batchMegapixelsAt(curve: readonly StepCurvePoint[], stepMs: number): number | null {
  const first = curve[0];
  if (!first || !(stepMs > 0)) return null;
  if (stepMs <= first.step_ms) return first.batch_megapixels * (stepMs / first.step_ms);
  for (let index = 1; index < curve.length; index++) {
    const upper = curve[index];
    const lower = curve[index - 1];
    if (!upper || !lower || stepMs > upper.step_ms) continue;
    const rise = upper.step_ms - lower.step_ms;
    const share = rise > 0 ? (stepMs - lower.step_ms) / rise : 0.5;
    return lower.batch_megapixels + share * (upper.batch_megapixels - lower.batch_megapixels);
  }
  const last = curve[curve.length - 1] ?? first;
  return last.batch_megapixels * (stepMs / last.step_ms);
}

/**
 * How steeply the curve's step time grows with the batch at `batchMegapixels`, as d ln(step) /
 * d ln(batch) between the points around it: 0 where it is flat (below its first point), 1 for a
 * proportional curve (past its last point), in between for a sublinear one.
 */
export function curveElasticity(curve: readonly StepCurvePoint[], batchMegapixels: number): number {
  const first = curve[0];
  if (!first || batchMegapixels <= first.batch_megapixels) return 0;
  for (let index = 1; index < curve.length; index++) {
    const upper = curve[index];
    const lower = curve[index - 1];
    if (!upper || !lower || batchMegapixels > upper.batch_megapixels) continue;
    const span = Math.log(upper.batch_megapixels / lower.batch_megapixels);
    const rise = Math.log(upper.step_ms / lower.step_ms);
    return span > 0 ? Math.min(1, Math.max(0, rise / span)) : 0;
  }
  return 1;
}

/** Batch megapixels at which the speed index (`referenceStepMs`) is read. */
export const SPEED_INDEX_MEGAPIXELS = 1;

/**
 * The step time a curve gives a 1-megapixel batch, ms, or null for an empty curve: one number
 * per report that moves with the pool's speed, so the registry can keep the best a pool has
 * shown (`PoolView.bestReferenceStepMs`) and routing can fade a stale slow curve back to it.
 */
export function referenceStepMs(curve: readonly StepCurvePoint[] | null | undefined): number | null {
  return curve && curve.length > 0 ? stepMsAt(curve, SPEED_INDEX_MEGAPIXELS) : null;
}

// Guards against a zero batch or step from a malformed report; far below anything measured.
const MIN_BATCH_MEGAPIXELS = 1e-6;
const MIN_STEP_MS = 1e-3;

function positive(value: number | undefined): number | undefined {
  return value !== undefined && value > 0 && Number.isFinite(value) ? value : undefined;
}
