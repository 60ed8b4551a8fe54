/**
 * Load figures a pool piggybacks on every response, so callers learn the pool's state
 * without an extra request. Counts are plain non-negative integers; work figures are
 * megapixel-steps (`shared/work.ts`), decimals with at most {@link WORK_FRACTION_DIGITS}
 * fraction digits.
 */
export const loadHeaderNames = {
  queued: 'x-spillway-queued',
  running: 'x-spillway-running',
  slots: 'x-spillway-slots',
  draining: 'x-spillway-draining',
  queuedWork: 'x-spillway-queued-work',
  runningWork: 'x-spillway-running-work',
} as const;

/** Load figures carried in response headers. */
export interface PiggybackedLoad {
  readonly queued: number;
  readonly running: number;
  readonly slots: number;
  readonly draining: boolean;
  /** Megapixel-steps waiting for a slot; undefined from pools older than the work headers. */
  readonly queuedWork?: number;
  /** Megapixel-steps left in the running batch; undefined from pools older than the work headers. */
  readonly runningWork?: number;
  /**
   * When the figures were taken, epoch ms by the reader's clock, where that is not when the answer
   * carrying them ended: the headers of a streamed answer are the pool's load as it took the job.
   */
  readonly takenAt?: number;
}

/**
 * Name of gpu-node's event-stream event carrying its load as a job leaves it, written just before
 * `completed` or `failed`: the stream's headers are as old as the job.
 */
export const LOAD_EVENT = 'load';

/** Fraction digits a work header carries (a thousandth of a megapixel-step). */
export const WORK_FRACTION_DIGITS = 3;
/** Largest work figure a header can carry; a pool never writes more. */
export const MAX_HEADER_WORK = 999_999_999.999;

// Read on every pool answer at the edge, where zod runs without its JIT: a few fields are
// cheaper to check by hand. A count is 1–9 decimal digits, nothing else; a work figure is such
// a count with an optional fraction of 1–3 digits (no sign, exponent, or bare dot).
const COUNT = /^\d{1,9}$/;
const WORK = /^\d{1,9}(?:\.\d{1,3})?$/;
const WORK_SCALE = 10 ** WORK_FRACTION_DIGITS;

/**
 * Header entries for a pool's current load. Work figures are written only when given, rounded
 * to {@link WORK_FRACTION_DIGITS} fraction digits and clamped to `0…MAX_HEADER_WORK`.
 */
export function loadHeaders(load: PiggybackedLoad): Record<string, string> {
  const headers: Record<string, string> = {
    [loadHeaderNames.queued]: String(load.queued),
    [loadHeaderNames.running]: String(load.running),
    [loadHeaderNames.slots]: String(load.slots),
    [loadHeaderNames.draining]: load.draining ? '1' : '0',
  };
  if (load.queuedWork !== undefined) headers[loadHeaderNames.queuedWork] = formatWork(load.queuedWork);
  if (load.runningWork !== undefined) headers[loadHeaderNames.runningWork] = formatWork(load.runningWork);
  return headers;
}

/**
 * Reads piggybacked load from response headers; `null` if any count is absent or any figure is
 * malformed. Work figures are optional (older pools send none): absent ones stay undefined.
 */
export function parseLoadHeaders(headers: Pick<Headers, 'get'>): PiggybackedLoad | null {
  const queued = headers.get(loadHeaderNames.queued);
  const running = headers.get(loadHeaderNames.running);
  const slots = headers.get(loadHeaderNames.slots);
  const draining = headers.get(loadHeaderNames.draining);
  const queuedWork = headers.get(loadHeaderNames.queuedWork);
  const runningWork = headers.get(loadHeaderNames.runningWork);
  if (queued === null || running === null || slots === null) return null;
  if (!COUNT.test(queued) || !COUNT.test(running) || !COUNT.test(slots)) return null;
  if (draining !== '0' && draining !== '1') return null;
  if ((queuedWork !== null && !WORK.test(queuedWork)) || (runningWork !== null && !WORK.test(runningWork))) {
    return null;
  }
  return {
    queued: Number(queued),
    running: Number(running),
    slots: Number(slots),
    draining: draining === '1',
    ...(queuedWork === null ? {} : { queuedWork: Number(queuedWork) }),
    ...(runningWork === null ? {} : { runningWork: Number(runningWork) }),
  };
}

/**
 * A work figure as a header carries it: clamped to `0…MAX_HEADER_WORK` (NaN counts 0) and rounded
 * to {@link WORK_FRACTION_DIGITS} fraction digits. Telemetry rounds the same way, so a report and
 * the headers of the same moment agree exactly.
 * @example
 * roundWorkFigure(15.72864); // 15.729
 */
export function roundWorkFigure(work: number): number {
  const clamped = Number.isNaN(work) ? 0 : Math.min(MAX_HEADER_WORK, Math.max(0, work));
  return Math.round(clamped * WORK_SCALE) / WORK_SCALE;
}

// k / 1000 prints as the shortest decimal that reads back as the same double, which is k / 1000
// itself: never more than three fraction digits, and never an exponent in this range.
function formatWork(work: number): string {
  return String(roundWorkFigure(work));
}

/**
 * The data of a {@link LOAD_EVENT}: the load headers' entries as one JSON object, so the event
 * reads back with the headers' own checks.
 * @example
 * loadEventData({ queued: 0, running: 2, slots: 16, draining: false }); // '{"x-spillway-queued":"0",…}'
 */
export function loadEventData(load: PiggybackedLoad): string {
  return JSON.stringify(loadHeaders(load));
}

/** Reads a {@link LOAD_EVENT}'s data; `null` where it is not an object of valid load headers. */
export function parseLoadEvent(data: string): PiggybackedLoad | null {
  let entries: unknown;
  try {
    entries = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof entries !== 'object' || entries === null) return null;
  const fields = entries as Record<string, unknown>;
  return parseLoadHeaders({
    get: (name) => {
      const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
      return typeof value === 'string' ? value : null;
    },
  });
}
