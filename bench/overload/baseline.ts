import { type LatencySummary, summarize } from '../gpu-node/percentiles.ts';
import { type CallRecord, type CallTerms, sendGeneration } from './generation-call.ts';
import { type LatencySplit, latencySplit } from './latency-split.ts';

/** The idle fleet's latency for the bench's request, one request at a time. */
export interface UnloadedLatency {
  readonly latency: LatencySummary;
  /** Where the served calls' time went (`latency-split.ts`). */
  readonly split: LatencySplit;
  /** Calls that did not answer 200 (the idle fleet should refuse none), by status and code. */
  readonly failed: Record<string, number>;
}

/**
 * Sends `count` requests one after another on the idle fleet, `gapMs` apart (so the pools have
 * reported the last one done), after `warmup` unrecorded ones (the pools' first steps measure
 * their step curves, the edge's first calls fill its caches).
 */
export async function measureUnloaded(
  terms: CallTerms,
  count: number,
  warmup: number,
  gapMs: number,
): Promise<UnloadedLatency> {
  const pause = () => new Promise((resolve) => setTimeout(resolve, gapMs));
  for (let sent = 0; sent < warmup; sent += 1) {
    await sendGeneration(terms);
    await pause();
  }
  const records: CallRecord[] = [];
  for (let sent = 0; sent < count; sent += 1) {
    records.push(await sendGeneration(terms));
    await pause();
  }
  const served = records.filter((record) => record.outcome === 200);
  const failed: Record<string, number> = {};
  for (const record of records) {
    if (record.outcome === 200) continue;
    const key = `${record.outcome} ${record.code}`;
    failed[key] = (failed[key] ?? 0) + 1;
  }
  return {
    latency: summarize(served.map((record) => record.endedAt - record.sentAt)),
    split: latencySplit(served),
    failed,
  };
}

/** The fleet's measured throughput at saturation. */
export interface FleetCapacity {
  readonly images_per_s: number;
  readonly concurrency: number;
  readonly window_s: number;
  readonly completed: number;
  /** Calls in the window that did not answer 200. */
  readonly failed: number;
  /**
   * Latency of the calls served in the window: what a request meets when the fleet runs at this
   * rate, so how fast the fleet can be while it serves this much.
   */
  readonly latency: LatencySummary;
}

/**
 * A closed loop of `concurrency` callers through the edge, each sending its next request as its
 * last one ends; images completed per second over the window after `warmupMs`. Closed, so the
 * fleet's queues stay full without growing: the rate it sustains is its capacity for this request
 * (edge included), not an assumed figure.
 */
export async function measureCapacity(
  terms: CallTerms,
  concurrency: number,
  warmupMs: number,
  windowMs: number,
): Promise<FleetCapacity> {
  const start = Date.now();
  const windowStart = start + warmupMs;
  const windowEnd = windowStart + windowMs;
  const records: CallRecord[] = [];
  const caller = async () => {
    while (Date.now() < windowEnd) records.push(await sendGeneration(terms));
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  const inWindow = records.filter((record) => record.endedAt >= windowStart && record.endedAt < windowEnd);
  const completed = inWindow.reduce((sum, record) => sum + record.images, 0);
  return {
    images_per_s: completed / (windowMs / 1000),
    concurrency,
    window_s: windowMs / 1000,
    completed,
    failed: inWindow.filter((record) => record.outcome !== 200).length,
    latency: summarize(
      inWindow.filter((record) => record.outcome === 200).map((record) => record.endedAt - record.sentAt),
    ),
  };
}

/** The capacity at each closed-loop level, and the best of them: the fleet's capacity. */
export interface CapacitySweep {
  readonly best: FleetCapacity;
  readonly levels: readonly FleetCapacity[];
}

/**
 * {@link measureCapacity} at each concurrency in turn. The best level is the capacity: on CPU pools
 * bigger batches are barely faster per image, and past a point more callers only add queueing (and
 * the edge's hedges and moves), so the fleet's saturation rate is the peak, not the last level.
 */
export async function sweepCapacity(
  terms: CallTerms,
  concurrencies: readonly number[],
  warmupMs: number,
  windowMs: number,
): Promise<CapacitySweep> {
  const levels: FleetCapacity[] = [];
  for (const concurrency of concurrencies)
    levels.push(await measureCapacity(terms, concurrency, warmupMs, windowMs));
  const best = levels.reduce((chosen, level) => (level.images_per_s > chosen.images_per_s ? level : chosen));
  return { best, levels };
}
