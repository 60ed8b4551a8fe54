import type { PoolWork, TelemetryReport } from '../../shared/index.ts';
import { referenceStepMs } from '../routing/index.ts';

/** Relative move of the job time or the reference step time that counts. */
const SPEED_CHANGE_SHARE = 0.1;

/**
 * True when `next` differs from the stored `previous` enough that routing must see its figures:
 * anything but speed figures changed (readiness, draining, models, slots, version), its load moved
 * at all (images or megapixel-steps, queued or running), or its job or step time moved by
 * {@link SPEED_CHANGE_SHARE}. Otherwise only its arrival counts (`TelemetryCoalescer`).
 *
 * Load counts exactly, not by gpu-node's quarter-of-the-slots rule: routing takes the report's
 * `received_at` as the moment its figures were taken, and counts the requests it sent after that
 * on top of them (`ownLoad` in worker/routing/pool-load.ts). A refreshed `received_at` over figures
 * that moved would hide those requests; over figures that did not, it is exactly right.
 */
export function isSignificantReport(previous: TelemetryReport, next: TelemetryReport): boolean {
  if (identityOf(previous) !== identityOf(next)) return true;
  if (previous.queued !== next.queued || previous.running !== next.running) return true;
  if (movedBy(previous.ewma_job_ms, next.ewma_job_ms, SPEED_CHANGE_SHARE)) return true;
  return workMoved(previous.work, next.work);
}

function identityOf(report: TelemetryReport): string {
  return JSON.stringify([
    report.ready,
    report.draining,
    report.slots,
    report.max_queue,
    report.version,
    report.execution_provider,
    report.models,
    report.work === undefined,
  ]);
}

function workMoved(previous: PoolWork | undefined, next: PoolWork | undefined): boolean {
  if (!previous || !next) return false;
  if (previous.queued !== next.queued || previous.running !== next.running) return true;
  return movedBy(referenceStepMs(previous.step_curve), referenceStepMs(next.step_curve), SPEED_CHANGE_SHARE);
}

function movedBy(previous: number | null, next: number | null, share: number): boolean {
  if (previous === null || next === null) return previous !== next;
  return Math.abs(next - previous) > share * Math.max(previous, next);
}
