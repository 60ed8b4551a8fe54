import { openSync, readSync } from 'node:fs';

/** Linux's per-thread scheduler figures: ns on a CPU, then ns runnable but waiting for one. */
const SCHEDSTAT_PATH = '/proc/thread-self/schedstat';

/**
 * Time, ms, this thread has spent ready to run but waiting for a CPU, from its start; null where
 * the system does not say (not Linux, or scheduler statistics off).
 *
 * Measured around a step, it is the part of the step's wall time that other threads' work took
 * (another pool's compute, the edge, a client on the same cores), not the batch's own.
 *
 * It is read twice a step, so the file is opened once and re-read from its start (about 6 µs a
 * read, against 40 for opening it each time). `/proc/thread-self` names the thread that opens it,
 * and module state is per thread in Node, so each engine worker opens and reads its own.
 *
 * @example
 * const before = threadRunnableWaitMs();
 * await engine.step(samples);
 * const waitMs = (threadRunnableWaitMs() ?? 0) - (before ?? 0);
 */
export function threadRunnableWaitMs(): number | null {
  if (schedstat === 'unavailable') return null;
  try {
    schedstat ??= openSync(SCHEDSTAT_PATH, 'r');
    const length = readSync(schedstat, buffer, 0, buffer.length, 0);
    const waitNs = Number(buffer.toString('latin1', 0, length).split(' ')[1]);
    if (Number.isFinite(waitNs)) return waitNs / 1e6;
  } catch {
    // Not Linux, or no schedstat: fall through and stop asking.
  }
  schedstat = 'unavailable';
  return null;
}

/** This thread's open schedstat file, until the first read; 'unavailable' once one failed. */
let schedstat: number | 'unavailable' | undefined;
/** Three decimal counters and their separators fit many times over. */
const buffer = Buffer.alloc(128);
