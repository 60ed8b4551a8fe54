import {
  hedgeDelayMs,
  lateByPace,
  mayHedge,
  PACE_CHECK_MIN_MS,
  PACE_CHECK_SHARE,
  projectedRemainingMs,
  type RunningPace,
  worthHedging,
} from '../../worker/routing/index.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import type { Decision } from './policies/policy.ts';
import type { PoolSim } from './pool-sim.ts';
import type { SimulationContext } from './sim-context.ts';
import type { Copy } from './sim-types.ts';

// The pace hedge as the Worker runs it (worker/dispatch/pace-hedge.ts): a running request's own
// step events say when it will finish; late by them, it gets a copy on a fresh pick that is
// expected to finish it in under half that time. The Worker looks at each step event (at most
// every 100 ms); the simulation looks at `PACE_CHECK_SHARE` of the prediction.

/** When a copy's hedge check is first due: half its prediction after the send (at least 100 ms). */
export function firstPaceCheckAt(sentAt: number, predictedMs: number): number {
  return sentAt + Math.max(PACE_CHECK_MIN_MS, PACE_CHECK_SHARE.first * predictedMs);
}

/** When the next hedge check of a copy is due, from `now`. */
export function nextPaceCheckAt(now: number, predictedMs: number): number {
  return now + Math.max(PACE_CHECK_MIN_MS, PACE_CHECK_SHARE.every * predictedMs);
}

/**
 * What the isolate knows of a running copy's pace from the step events it has heard (sent by the
 * pool half a round trip ago): null while the copy is queued, in transit, not all started, on a
 * stalled pool, or its events have not arrived yet. The pace is that of the pool's batch as it
 * is now (the Worker reads the gap between the latest two events).
 */
export function runningPace(sim: SimulationContext, copy: Copy): RunningPace | null {
  if (copy.state !== 'running' || copy.unstarted > 0) return null;
  const pool = sim.pools[copy.pool] as PoolSim;
  const returnTripMs = sim.rttOf(copy) / 2;
  const heardAt = sim.now - returnTripMs;
  if (heardAt <= copy.startedAt || pool.stalledSince >= 0) return null;
  const done = pool.progressAt(heardAt);
  let stepsLeft = 0;
  for (const image of pool.running) {
    if (image.copy === copy) stepsLeft = Math.max(stepsLeft, image.finishV - done);
  }
  const leftMs = projectedRemainingMs({
    step: 0,
    steps: stepsLeft,
    msPerStep: pool.stepMs(),
    sinceLastStepMs: 0,
  });
  return {
    elapsedMs: sim.now - copy.sentAt,
    // Heard half a round trip late, answered half a round trip after it ends: the two cancel.
    projectedRemainingMs: leftMs,
    predictedMs: copy.predictedMs,
  };
}

/**
 * The pace hedge of one running copy: when it is late (`clockLate`, or by its pace) and a fresh
 * pick is worth it, that pick; null leaves the copy to its next check.
 */
export function paceHedgeDecision(
  sim: SimulationContext,
  copy: Copy,
  pace: RunningPace,
  clockLate: boolean,
): Decision | null {
  const { job } = copy;
  const dispatcher = sim.dispatchers[job.dispatcher] as DispatcherState;
  if (!clockLate && !lateByPace(pace, hedgeDelayMs(copy.predictedMs, sim.policy.hedgePolicy))) return null;
  if (!mayHedge(dispatcher, sim.policy.hedgePolicy)) return null;
  const alternative = sim.policy.decide(sim.context(job, copy.pool));
  return alternative.pools[0] !== undefined && worthHedging(pace, alternative.predictedMs)
    ? alternative
    : null;
}
