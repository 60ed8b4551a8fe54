import { scheduleStallCheck } from './edge-reactions.ts';
import type { PoolSim } from './pool-sim.ts';
import type { SimulationContext } from './sim-context.ts';
import type { Copy } from './sim-types.ts';

// A copy reaching its pool (refused if dead, else queued), batches finishing, and cancellations.

/** A copy reaches its pool: refused if the pool is dead, else admitted to its queue. */
export function onCopyAtPool(sim: SimulationContext, copy: Copy): void {
  const pool = sim.pools[copy.pool] as PoolSim;
  pool.inTransit.delete(copy);
  if (copy.state !== 'transit') return;
  const rtt = sim.rttOf(copy);
  if (pool.dead) {
    copy.state = 'failed';
    sim.at(sim.now + rtt / 2, { kind: 'failure', copy });
    return;
  }
  pool.advance(sim.now);
  const before = pool.load();
  pool.admit(copy, sim.now);
  copy.ackAt = sim.now + rtt / 2;
  if (sim.policy.edgeFeatures) {
    const ahead = before.queued + before.running;
    const waiting = ahead >= pool.slots;
    sim.at(copy.ackAt, {
      kind: 'ack',
      copy,
      ahead,
      waiting,
      load: pool.load(),
      batchMegapixels: waiting ? 0 : pool.batchMegapixels,
      wait: waiting ? pool.waitOf(copy) : null,
    });
  }
  scheduleCompletion(sim, pool);
  if (pool.stalledSince >= 0 && sim.policy.edgeFeatures) scheduleStallCheck(sim, copy, copy.ackAt);
}

/** Schedules the pool's next batch completion (older events are dropped by epoch). */
export function scheduleCompletion(sim: SimulationContext, pool: PoolSim): void {
  const time = pool.nextCompletionAt(sim.now);
  if (time !== null) sim.at(time, { kind: 'complete', pool: pool.index, epoch: pool.epoch });
}

/** Finished jobs leave the batch; their answers travel back with the pool's load. */
export function onComplete(sim: SimulationContext, poolIndex: number, epoch: number): void {
  const pool = sim.pools[poolIndex] as PoolSim;
  if (epoch !== pool.epoch) return;
  const finished = pool.takeFinished(sim.now);
  if (finished.length > 0) {
    const load = pool.load();
    for (const copy of finished) sim.at(sim.now + sim.rttOf(copy) / 2, { kind: 'response', copy, load });
  }
  scheduleCompletion(sim, pool);
}

/** A cancel reaches the pool: the copy leaves its queue or batch. */
export function onCancelAtPool(sim: SimulationContext, copy: Copy): void {
  const pool = sim.pools[copy.pool] as PoolSim;
  const wasRunning = copy.state === 'running';
  if (pool.cancel(copy, sim.now) && wasRunning) scheduleCompletion(sim, pool);
}
