import type { PoolWork, TelemetryReport } from '../../shared/index.ts';

/** Share of the pool's outstanding work (queued + running) a change must move to count. */
const WORK_CHANGE_SHARE = 0.25;
/** A change of work the pool gets through faster than this is left to the next tick. */
const MIN_WORK_CHANGE_MS = 500;

/**
 * True when a report differs enough from the last one sent that the edge should hear now rather
 * than at the next tick: readiness or draining flipped, the queue moved by a quarter of the
 * pool's slots (at least 2 images), or its work moved materially ({@link isMaterialWorkChange}).
 * Images or work moving from queued to running change nothing.
 */
export function isSignificantChange(previous: TelemetryReport | null, next: TelemetryReport): boolean {
  if (!previous) return true;
  if (previous.draining !== next.draining || previous.ready !== next.ready) return true;
  const threshold = Math.max(2, Math.ceil(next.slots / 4));
  if (Math.abs(previous.queued + previous.running - (next.queued + next.running)) >= threshold) return true;
  return isMaterialWorkChange(previous.work, next.work);
}

/**
 * True when outstanding work (queued + running megapixel-steps) moved by a quarter of the larger
 * of the two figures and by more than the pool does in {@link MIN_WORK_CHANGE_MS} at its measured
 * speed: the faster of its recent throughput and the best rate on its step curve. A pool that
 * has measured nothing yet has only the first test. Reports without work never differ.
 */
export function isMaterialWorkChange(previous: PoolWork | undefined, next: PoolWork | undefined): boolean {
  if (!previous || !next) return false;
  const before = previous.queued + previous.running;
  const after = next.queued + next.running;
  const moved = Math.abs(after - before);
  if (moved === 0 || moved < WORK_CHANGE_SHARE * Math.max(before, after)) return false;
  const perMs = workPerMs(next);
  return perMs === null || moved >= perMs * MIN_WORK_CHANGE_MS;
}

function workPerMs(work: PoolWork): number | null {
  let best = work.throughput_per_s === null ? null : work.throughput_per_s / 1000;
  for (const point of work.step_curve) {
    best = Math.max(best ?? 0, point.batch_megapixels / point.step_ms);
  }
  return best;
}
