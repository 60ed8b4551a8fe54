import { readFileSync } from 'node:fs';

/** Linux's per-thread scheduler figures: ns on a CPU, then ns runnable but waiting for one. */
const SCHEDSTAT_PATH = '/proc/thread-self/schedstat';

/**
 * Time, ms, this thread has spent ready to run but waiting for a CPU, from its start; null where
 * the system does not say (not Linux, or scheduler statistics off). Sync file reads run on the
 * calling thread, so `/proc/thread-self` is the thread that calls this (about 20 µs a read).
 *
 * Measured around a step, it is the part of the step's wall time that other threads' work took
 * (another pool's compute, the edge, a client on the same cores), not the batch's own.
 *
 * @example
 * const before = threadRunnableWaitMs();
 * await engine.step(samples);
 * const waitMs = (threadRunnableWaitMs() ?? 0) - (before ?? 0);
 */
export function threadRunnableWaitMs(): number | null {
  if (unavailable) return null;
  try {
    const waitNs = Number(readFileSync(SCHEDSTAT_PATH, 'latin1').split(' ')[1]);
    if (Number.isFinite(waitNs)) return waitNs / 1e6;
  } catch {
    // Not Linux, or no schedstat: fall through and stop asking.
  }
  unavailable = true;
  return null;
}

let unavailable = false;
