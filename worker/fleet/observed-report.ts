import type { BackendProbe } from '../../backends/index.ts';
import {
  MAX_REPORTED_COUNT,
  MAX_REPORTED_MS,
  MAX_REPORTED_WORK,
  MIN_CURVE_MEGAPIXELS,
  MIN_CURVE_STEP_MS,
  type PoolRecord,
  type StepCurvePoint,
  type TelemetryReport,
} from '../../shared/index.ts';

/** `version` of the reports the edge writes for pools that push none. */
export const OBSERVED_REPORT_VERSION = 'edge-observed/1';
/** Megapixels of one image assumed before the edge has seen a request of known size. */
const DEFAULT_IMAGE_MEGAPIXELS = 1;
/** A provider's queue is not ours to bound; routing's queue limit must not exclude the pool. */
const UNBOUNDED_QUEUE = 100_000;

/** What the edge has measured about a pool from its own requests (`PullTelemetry`). */
export interface ObservedSpeed {
  /** EWMA of latency x images / work, ms per megapixel-step; null before a sized request finished. */
  readonly msPerWork: number | null;
  /** EWMA of a request's latency, ms; null before one finished. */
  readonly jobMs: number | null;
  /** EWMA of the megapixels of one image the pool served; null before a sized request. */
  readonly imageMegapixels: number | null;
}

/** Everything an observed report is made of. */
export interface ObservedReportInput {
  readonly pool: Pick<PoolRecord, 'id' | 'capacity' | 'ms_per_megapixel_step'>;
  /** Images of the edge's requests at the pool now, across isolates. */
  readonly inFlightImages: number;
  /** Images completed per second lately. */
  readonly imagesPerSecond: number;
  readonly speed: ObservedSpeed;
  /** The latest probe, or null for a protocol without one (or none yet). */
  readonly probe: BackendProbe | null;
  readonly now: number;
}

/**
 * The telemetry report the edge writes for a pool that pushes none (OpenAI-compatible, KServe,
 * Replicate, fal), in the shape gpu-node pushes, so routing treats every pool alike:
 *
 * - slots are the registered capacity (requests the provider runs side by side); running and
 *   queued are the edge's own images in flight across isolates, or the pool's figures from its
 *   probe (Triton's pending requests) where those are higher;
 * - speed: a step curve flat up to the capacity (requests run side by side, each at the measured
 *   ms per megapixel-step) and proportional beyond it (they queue). Before any measurement the
 *   operator's declared `ms_per_megapixel_step` stands in; with neither, the curve is empty, so
 *   routing takes the fleet's median with no batching gain (`speedOf`): never optimistic;
 * - ready: the probe's verdict; a protocol without a probe is ready until its calls fail (the
 *   isolates' ejection and the registry's suspicion keep a failing one out).
 */
export function observedReport(input: ObservedReportInput): TelemetryReport {
  const { pool, probe, speed } = input;
  const slots = boundedCount(pool.capacity, 1);
  const { running, queued } = occupancy(slots, boundedCount(input.inFlightImages), probe);
  const msPerWork = speed.msPerWork ?? pool.ms_per_megapixel_step;
  // Bounded so that a full side-by-side batch (`slots` images) stays within the schema too.
  const imageMegapixels = bounded(
    speed.imageMegapixels ?? DEFAULT_IMAGE_MEGAPIXELS,
    MIN_CURVE_MEGAPIXELS,
    MAX_REPORTED_WORK / MAX_REPORTED_COUNT,
  );
  const curve = msPerWork === null ? [] : sideBySideCurve(msPerWork, imageMegapixels, slots);
  const jobMs = speed.jobMs === null ? null : bounded(speed.jobMs, 0, MAX_REPORTED_MS);
  const workPerImage = msPerWork === null || jobMs === null ? null : jobMs / msPerWork;
  const work = (value: number) => bounded(value, 0, MAX_REPORTED_WORK);
  return {
    pool_id: pool.id,
    version: OBSERVED_REPORT_VERSION,
    timestamp: input.now,
    models: [],
    execution_provider: 'remote',
    slots,
    running,
    queued,
    max_queue: UNBOUNDED_QUEUE,
    ewma_step_ms: null,
    ewma_job_ms: jobMs,
    throughput_images_per_s: work(input.imagesPerSecond),
    gpus: null,
    draining: false,
    ready: probe?.ready ?? true,
    work: {
      queued: workPerImage === null ? 0 : work(queued * workPerImage),
      running: workPerImage === null ? 0 : work(running * workPerImage),
      throughput_per_s: workPerImage === null ? null : work(input.imagesPerSecond * workPerImage),
      step_curve: curve,
    },
  };
}

/**
 * ms per megapixel-step measured so far, from a report this module wrote (the registry restarts
 * without its memory): the curve's flat part. Null when the report has no curve.
 */
export function speedFromReport(report: TelemetryReport | null): ObservedSpeed {
  const first = report?.version === OBSERVED_REPORT_VERSION ? report.work?.step_curve[0] : undefined;
  if (!report || !first) return { msPerWork: null, jobMs: null, imageMegapixels: null };
  return {
    msPerWork: first.step_ms / first.batch_megapixels,
    jobMs: report.ewma_job_ms,
    imageMegapixels: first.batch_megapixels,
  };
}

/**
 * Running and queued images: the pool's own figures when its probe has some and they account for
 * at least the edge's own requests there (Triton sees every client's), else the edge's in-flight
 * images, up to the capacity running and the rest queued.
 */
function occupancy(
  slots: number,
  inFlightImages: number,
  probe: BackendProbe | null,
): { running: number; queued: number } {
  // A provider's figures are whatever its metrics page says: 1e308, +Inf and NaN included.
  const probedQueued = probe?.queued === undefined ? undefined : boundedCount(probe.queued);
  const probedRunning = probe?.running === undefined ? undefined : boundedCount(probe.running);
  const probed = probedQueued !== undefined || probedRunning !== undefined;
  if (probed && (probedQueued ?? 0) + (probedRunning ?? 0) >= inFlightImages) {
    const queued = probedQueued ?? 0;
    return { running: Math.min(slots, probedRunning ?? Math.max(0, inFlightImages - queued)), queued };
  }
  const running = Math.min(slots, inFlightImages);
  return { running, queued: inFlightImages - running };
}

function sideBySideCurve(msPerWork: number, imageMegapixels: number, slots: number): StepCurvePoint[] {
  const stepMs = bounded(msPerWork * imageMegapixels, MIN_CURVE_STEP_MS, MAX_REPORTED_MS);
  const first = { batch_megapixels: imageMegapixels, step_ms: stepMs };
  if (slots <= 1) return [first];
  return [first, { batch_megapixels: imageMegapixels * slots, step_ms: stepMs }];
}

/**
 * `value` within the schema's bounds for its field (`telemetry-report.ts`): the report is stored
 * unparsed, so it must hold them by construction. NaN, a figure that says nothing, is the lower bound.
 */
function bounded(value: number, min: number, max: number): number {
  return Number.isNaN(value) ? min : Math.min(max, Math.max(min, value));
}

/** As {@link bounded}, for a count: a whole number up to the schema's largest. */
function boundedCount(value: number, min = 0): number {
  return Math.floor(bounded(value, min, MAX_REPORTED_COUNT));
}
