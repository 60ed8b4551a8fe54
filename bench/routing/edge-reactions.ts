import {
  DEFAULT_STALL_AFTER_MS,
  hedgeDecision,
  isStalled,
  requestCost,
  STALL_STEP_INTERVALS,
  type SuspicionReason,
  shouldReroute,
  worthRepicking,
} from '../../worker/routing/index.ts';
import type { DispatcherState } from './dispatcher-state.ts';
import { nextPaceCheckAt, paceHedgeDecision, runningPace } from './pace-reactions.ts';
import type { Decision } from './policies/policy.ts';
import type { PoolSim } from './pool-sim.ts';
import type { SimulationContext } from './sim-context.ts';
import type { Copy, Job, SimEvent } from './sim-types.ts';
import { settleTie } from './tie-reactions.ts';

// What the edge does around each routing decision, driven by the simulation's events: the
// second look on acknowledgement, stall detection from missing progress, hedging, and shared
// suspicion. The decisions themselves are worker/routing functions.

/**
 * The edge's late second look: the pool's acknowledgement carries its exact queue, or the batch
 * the request went straight into.
 */
export function onAck(sim: SimulationContext, event: Extract<SimEvent, { kind: 'ack' }>): void {
  const { copy, ahead, waiting, load, batchMegapixels, wait } = event;
  const { job } = copy;
  if (job.doneAt >= 0 || !sim.isLive(copy)) return;
  const dispatcher = sim.dispatchers[job.dispatcher] as DispatcherState;
  const poolId = sim.poolIds[copy.pool] ?? '';
  dispatcher.piggybacked.set(poolId, { ...load, at: sim.now });
  const returnTripMs = sim.rttOf(copy) / 2;
  const facts = waiting
    ? { images: ahead, returnTripMs, ...(wait ? { wait } : {}) }
    : { batchMegapixels, returnTripMs };
  if (job.tied) {
    const context = sim.context(job, -1);
    settleTie(sim, copy, context, sim.policy.remainingOnAck?.(context, copy, facts) ?? copy.predictedMs);
    return;
  }
  // Only a request whose every earlier copy was a move (no failover, no hedge) moves again.
  if (job.hedged || job.copies.length > job.moves + 1) return;
  const remainingMs = sim.policy.remainingOnAck?.(sim.context(job, -1), copy, facts);
  if (remainingMs === undefined) return;
  // As the Worker judges it: the trip back is left out of the surprise.
  if (
    !worthRepicking({
      started: !waiting,
      remainingMs: remainingMs - returnTripMs,
      predictedMs: copy.predictedMs,
    })
  )
    return;
  const context = sim.context(job, copy.pool);
  // A fresh pick, as the Worker's acknowledgement policy makes one (`moveTo`).
  const decision = sim.policy.decide(context);
  const alternative = decision.pools[0];
  if (alternative === undefined) return;
  const { objectiveMs } = sim.policy;
  const costAt = (pool: number) => {
    const view = context.views[pool];
    return view ? requestCost(view, job) : 0;
  };
  if (
    !shouldReroute({
      started: !waiting,
      moves: job.moves,
      remainingMs,
      alternativeMs: decision.predictedMs,
      alternativeUnloadedMs: waiting ? undefined : sim.policy.unloadedOn?.(context, alternative, copy),
      objectiveMs: objectiveMs === undefined ? undefined : objectiveMs - (sim.now - job.arrivalAt),
      cost: costAt(copy.pool),
      alternativeCost: costAt(alternative),
      spillMargin: sim.routing.spillMargin,
    })
  )
    return;
  job.moves++;
  dispatcher.end(copy, poolId);
  sim.at(sim.now + sim.rttOf(copy) / 2, { kind: 'cancel-at-pool', copy });
  sim.send(job, alternative, decision.pools.slice(1), decision.predictedMs);
}

/** Checks a copy for missing progress once `isStalled` could say so (its silence limit has passed). */
export function scheduleStallCheck(sim: SimulationContext, copy: Copy, progressSeenAt: number): void {
  const dispatcher = sim.dispatchers[copy.job.dispatcher] as DispatcherState;
  const paceMs = STALL_STEP_INTERVALS * (dispatcher.stepIntervalMs.get(sim.poolIds[copy.pool] ?? '') ?? 0);
  const at = progressSeenAt + Math.max(sim.routing.stallAfterMs ?? DEFAULT_STALL_AFTER_MS, paceMs) + 1;
  sim.at(Math.max(sim.now + 1, at), { kind: 'stall-check', copy });
}

/**
 * What the isolate's progress events would say: a working pool's requests report a step every
 * step (the pool's current step time is the interval they show); a stalled pool's last event is
 * the one sent just before it stalled, and its interval stays the last healthy one.
 */
export function refreshProgress(sim: SimulationContext, dispatcher: DispatcherState): void {
  for (const poolId of dispatcher.inFlight.keys()) {
    const index = sim.poolIndex.get(poolId) ?? -1;
    const pool = sim.pools[index];
    if (!pool) continue;
    if (pool.stalledSince < 0) {
      dispatcher.lastProgressAt.set(poolId, sim.now);
      if (pool.running.length > 0) dispatcher.stepIntervalMs.set(poolId, pool.stepMs());
    } else {
      const lastEvent = pool.stalledSince + (dispatcher.rtt[index] ?? 0) / 2;
      dispatcher.lastProgressAt.set(poolId, Math.max(dispatcher.lastProgressAt.get(poolId) ?? 0, lastEvent));
    }
  }
}

/**
 * A copy's hedge check: re-send it if its pool stalled, or it is late (worker/routing
 * `hedgeDecision`). A running copy whose step events say how it goes is late by its pace too, and
 * is hedged only where a fresh pick is worth it (`paceHedge`); the others by the clock.
 */
export function onHedgeCheck(sim: SimulationContext, copy: Copy): void {
  const { job } = copy;
  const dispatcher = sim.dispatchers[job.dispatcher] as DispatcherState;
  if (job.doneAt >= 0 || !dispatcher.active[copy.pool]?.has(copy)) return;
  refreshProgress(sim, dispatcher);
  const poolId = sim.poolIds[copy.pool] ?? '';
  const decision = hedgeDecision(
    {
      sentAt: copy.sentAt,
      predictedMs: copy.predictedMs,
      poolStalled: isStalled(poolId, dispatcher, sim.routing, sim.now),
      hedged: job.hedged,
    },
    dispatcher,
    sim.now,
    sim.policy.hedgePolicy,
  );
  if (decision.kind === 'none') return;
  const stalled = decision.kind === 'hedge' && decision.reason === 'stalled';
  // A tied pair settles on its acknowledgements; a stalled pool's copy goes at once.
  const pace = stalled || job.tied || !sim.policy.paceHedges ? null : runningPace(sim, copy);
  const paced = pace && paceHedgeDecision(sim, copy, pace, decision.kind === 'hedge');
  if (paced) {
    hedge(sim, job, copy.pool, paced);
    return;
  }
  if (decision.kind === 'hedge' && !pace) {
    hedge(sim, job, copy.pool);
    return;
  }
  const clockCheckAt = decision.kind === 'wait' ? decision.checkAt : Number.POSITIVE_INFINITY;
  const paceCheckAt = sim.policy.paceHedges
    ? nextPaceCheckAt(sim.now, copy.predictedMs)
    : Number.POSITIVE_INFINITY;
  sim.at(Math.min(clockCheckAt, paceCheckAt), { kind: 'hedge-check', copy });
}

/** No progress for `stallAfterMs`: re-send this isolate's copies on that pool and tell the registry. */
export function onStallCheck(sim: SimulationContext, copy: Copy): void {
  const { job } = copy;
  const dispatcher = sim.dispatchers[job.dispatcher] as DispatcherState;
  if (job.doneAt >= 0 || !dispatcher.active[copy.pool]?.has(copy)) return;
  const pool = sim.pools[copy.pool] as PoolSim;
  if (pool.stalledSince < 0) return;
  refreshProgress(sim, dispatcher);
  const poolId = sim.poolIds[copy.pool] ?? '';
  if (!isStalled(poolId, dispatcher, sim.routing, sim.now)) {
    scheduleStallCheck(sim, copy, dispatcher.lastProgressAt.get(poolId) ?? sim.now);
    return;
  }
  raiseSuspicion(sim, copy.pool, 'stalled');
  for (const stuck of [...(dispatcher.active[copy.pool] ?? [])]) {
    if (!stuck.job.hedged && stuck.job.doneAt < 0) hedge(sim, stuck.job, copy.pool);
  }
}

/**
 * Sends a second copy of the job to another pool (the first answer wins, the other is cancelled):
 * where `decision` says (a pace hedge's fresh pick), else where a fresh decision says.
 */
export function hedge(sim: SimulationContext, job: Job, leaving: number, decision?: Decision): void {
  job.hedged = true;
  const [first, ...failover] = decision?.pools ?? [];
  if (decision && first !== undefined) sim.send(job, first, failover, decision.predictedMs);
  else if (!sim.dispatch(job, leaving)) return;
  (sim.dispatchers[job.dispatcher] as DispatcherState).hedges++;
  sim.hedges++;
}

/** The isolate's report to the registry that a pool refused work or stalled. */
export function raiseSuspicion(sim: SimulationContext, pool: number, reason: SuspicionReason): void {
  sim.at(sim.now + sim.scenario.telemetryDelayMs, { kind: 'suspicion-arrive', pool, reason });
}
