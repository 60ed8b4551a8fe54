import { round } from '../gpu-node/percentiles.ts';

/**
 * A gap this long between two consecutive completions, with every client waiting on a request,
 * is a stall of the serving process: at the bench's load a completion arrives every millisecond
 * or two, so nothing finishing for this long means nothing was being served.
 */
export const STALL_GAP_MS = 50;

/** Stalls seen under load: gaps between completions of at least {@link STALL_GAP_MS}. */
export interface StallSummary {
  /** Stalls in all timed windows together. */
  readonly count: number;
  /** Seconds of load the stalls were counted over. */
  readonly window_s: number;
  /** Stalls per second of load. */
  readonly per_s: number | null;
  /** Their total length (ms). */
  readonly total_ms: number;
  /** The longest one (ms); null with none. */
  readonly longest_ms: number | null;
}

/** One timed window of closed-loop load: its span and its completions, ascending (ms). */
export interface CompletionWindow {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly completions: readonly number[];
}

/** The stalls of one window as [from, to] pairs in the window's clock (ms). */
export function stallIntervals(window: CompletionWindow): [number, number][] {
  const stalls: [number, number][] = [];
  let previous = window.startedAt;
  for (const completion of window.completions) {
    if (completion - previous >= STALL_GAP_MS) stalls.push([previous, completion]);
    previous = completion;
  }
  return stalls;
}

/**
 * Finds the stalls in timed windows of closed-loop load, each window the ascending completion
 * times (performance.now ms) of its requests between `startedAt` and `endedAt`. The gap from a
 * window's start to its first completion counts too; the tail after the last does not (clients
 * stop starting requests at the deadline).
 */
export function findStalls(
  windows: readonly {
    readonly startedAt: number;
    readonly endedAt: number;
    readonly completions: readonly number[];
  }[],
): StallSummary {
  let count = 0;
  let totalMs = 0;
  let longestMs = 0;
  let loadMs = 0;
  for (const window of windows) {
    loadMs += window.endedAt - window.startedAt;
    let previous = window.startedAt;
    for (const completion of window.completions) {
      const gap = completion - previous;
      if (gap >= STALL_GAP_MS) {
        count++;
        totalMs += gap;
        longestMs = Math.max(longestMs, gap);
      }
      previous = completion;
    }
  }
  const windowS = loadMs / 1000;
  return {
    count,
    window_s: round(windowS, 2) ?? 0,
    per_s: windowS > 0 ? round(count / windowS, 2) : null,
    total_ms: Math.round(totalMs),
    longest_ms: count === 0 ? null : round(longestMs, 1),
  };
}
