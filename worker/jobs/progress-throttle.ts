import type { BackendProgress } from '../../backends/index.ts';

/** Least time between two step reports to a job object; every report is a storage write. */
const MIN_INTERVAL_MS = 500;

/**
 * Thins a pool's progress stream before it reaches the job object: a queue position only when
 * it changed, steps at most every 500 ms (the first at once). A skipped last step costs
 * nothing: `succeeded` follows.
 *
 * Progress never goes backwards: a hedged or failed-over copy starts again on another pool
 * from its queue and step 1 while the first copy may still be reporting, so once a step was
 * shown, queue positions are dropped and a step shows only when it passes the highest one shown.
 */
export function throttleProgress(
  report: (progress: BackendProgress) => void,
  now: () => number = Date.now,
): (progress: BackendProgress) => void {
  let lastPosition: number | null = null;
  let lastStepAt = Number.NEGATIVE_INFINITY;
  let highestStep = 0;
  return (progress) => {
    if (progress.kind === 'queued') {
      if (highestStep > 0 || progress.position === lastPosition) return;
      lastPosition = progress.position;
      report(progress);
      return;
    }
    if (progress.step <= highestStep) return;
    const at = now();
    if (at - lastStepAt < MIN_INTERVAL_MS) return;
    lastStepAt = at;
    highestStep = progress.step;
    report(progress);
  };
}
