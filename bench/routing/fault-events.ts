import { type DispatcherState, EJECTION_MS } from './dispatcher-state.ts';
import { raiseSuspicion, scheduleStallCheck } from './edge-reactions.ts';
import { scheduleCompletion } from './pool-events.ts';
import type { PoolSim } from './pool-sim.ts';
import type { SimulationContext } from './sim-context.ts';
import { type Copy, isActive } from './sim-types.ts';

/** A fault window opens or closes. */
export function onFault(sim: SimulationContext, index: number, start: boolean): void {
  const fault = sim.scenario.faults[index];
  if (!fault || fault.kind === 'telemetry-delay') return;
  const pool = sim.pools[sim.poolIndex.get(fault.pool) ?? -1];
  if (!pool) return;
  pool.advance(sim.now);
  if (fault.kind === 'slow') pool.slowFactor = start ? fault.factor : 1;
  if (fault.kind === 'fail-stop' && start) {
    for (const copy of pool.die(sim.now)) {
      // A dead host resets its connections; the oracle hears at once.
      sim.at(sim.now + (sim.policy.central ? 0 : sim.rttOf(copy) / 2), { kind: 'failure', copy });
    }
  }
  if (fault.kind === 'fail-stop' && !start) {
    pool.dead = false;
    pool.lastAdvanceAt = sim.now;
  }
  if (fault.kind === 'stall' && start) {
    pool.frozen = pool.report(sim.now);
    pool.stalledSince = sim.now;
    const here = new Set([...pool.running.map((image) => image.copy), ...pool.queue.slice(pool.queueHead)]);
    for (const copy of here) {
      if (!isActive(copy)) continue;
      if (sim.policy.central) moveOff(sim, copy);
      else if (sim.policy.edgeFeatures) {
        scheduleStallCheck(sim, copy, Math.max(copy.ackAt, sim.now + sim.rttOf(copy) / 2));
      }
    }
  }
  if (fault.kind === 'stall' && !start) {
    pool.stalledSince = -1;
    pool.frozen = null;
  }
  scheduleCompletion(sim, pool);
}

/** The oracle's instant rescue of a copy on a pool that just stalled. */
export function moveOff(sim: SimulationContext, copy: Copy): void {
  const pool = sim.pools[copy.pool] as PoolSim;
  pool.cancel(copy, sim.now);
  (sim.dispatchers[copy.job.dispatcher] as DispatcherState).end(copy, sim.poolIds[copy.pool] ?? '');
  sim.dispatch(copy.job, copy.pool);
}

/** Records how late into a fail-stop or stall window a copy was sent to that pool. */
export function noteSendIntoFault(sim: SimulationContext, pool: number): void {
  sim.scenario.faults.forEach((fault, index) => {
    if (fault.kind !== 'fail-stop' && fault.kind !== 'stall') return;
    if (sim.poolIndex.get(fault.pool) !== pool) return;
    const sinceS = sim.now / 1_000 - fault.startS;
    if (sinceS < 0 || sinceS > fault.durationS) return;
    sim.lastSendIntoFaultS[index] = Math.max(sim.lastSendIntoFaultS[index] ?? -1, sinceS);
  });
}

/** A refused or reset connection: eject the pool locally, tell the registry (edge), fail over. */
export function onFailure(sim: SimulationContext, copy: Copy): void {
  const dispatcher = sim.dispatchers[copy.job.dispatcher] as DispatcherState;
  const poolId = sim.poolIds[copy.pool] ?? '';
  dispatcher.end(copy, poolId);
  dispatcher.ejectedUntil.set(poolId, sim.now + EJECTION_MS);
  if (sim.policy.edgeFeatures) raiseSuspicion(sim, copy.pool, 'refused');
  const { job } = copy;
  if (job.doneAt >= 0 || job.copies.some((other) => sim.isLive(other))) return;
  const next = copy.failover.find(
    (pool) => (dispatcher.ejectedUntil.get(sim.poolIds[pool] ?? '') ?? 0) <= sim.now,
  );
  if (next === undefined || sim.policy.central) {
    sim.dispatch(job, copy.pool);
    return;
  }
  sim.send(
    job,
    next,
    copy.failover.filter((pool) => pool !== next),
    copy.predictedMs,
  );
}
