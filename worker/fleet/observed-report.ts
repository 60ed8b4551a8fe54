import type { BackendProbe } from '../../backends/index.ts';
import type { PoolRecord, StepCurvePoint, TelemetryReport } from '../../shared/index.ts';

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
  const slots = Math.max(1, pool.capacity);
  const { running, queued } = occupancy(slots, input.inFlightImages, probe);
  const msPerWork = speed.msPerWork ?? pool.ms_per_megapixel_step;
  const imageMegapixels = speed.imageMegapixels ?? DEFAULT_IMAGE_MEGAPIXELS;
  const curve = msPerWork === null ? [] : sideBySideCurve(msPerWork, imageMegapixels, slots);
  const workPerImage = msPerWork === null || speed.jobMs === null ? null : speed.jobMs / msPerWork;
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
    ewma_job_ms: speed.jobMs,
    throughput_images_per_s: input.imagesPerSecond,
    gpus: null,
    draining: false,
    ready: probe?.ready ?? true,
    work: {
      queued: workPerImage === null ? 0 : queued * workPerImage,
      running: workPerImage === null ? 0 : running * workPerImage,
      throughput_per_s: workPerImage === null ? null : input.imagesPerSecond * workPerImage,
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
  const probed = probe !== null && (probe.queued !== undefined || probe.running !== undefined);
  const probedBusy = (probe?.queued ?? 0) + (probe?.running ?? 0);
  if (probed && probedBusy >= inFlightImages) {
    const queued = probe?.queued ?? 0;
    return { running: Math.min(slots, probe?.running ?? Math.max(0, inFlightImages - queued)), queued };
  }
  const running = Math.min(slots, inFlightImages);
  return { running, queued: inFlightImages - running };
}

function sideBySideCurve(msPerWork: number, imageMegapixels: number, slots: number): StepCurvePoint[] {
  const stepMs = msPerWork * imageMegapixels;
  const first = { batch_megapixels: imageMegapixels, step_ms: stepMs };
  if (slots <= 1) return [first];
  return [first, { batch_megapixels: imageMegapixels * slots, step_ms: stepMs }];
}
