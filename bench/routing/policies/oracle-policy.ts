import type { PoolSim } from '../pool-sim.ts';
import type { SimPolicy } from './policy.ts';

/**
 * When a job sent now would come back from this pool, ms from now, from the pool's exact state:
 * the copies ahead of it (queued and in transit), the remaining work of each running job and
 * the batcher's full-batch speed, plus the round trip. Dead and stalled pools never finish.
 */
export function exactCompletionMs(pool: PoolSim, rttMs: number, now: number): number {
  if (pool.dead || pool.stalledSince >= 0) return Number.POSITIVE_INFINITY;
  pool.advance(now);
  const slots = pool.slots;
  const ahead = pool.queuedCount + pool.inTransit;
  const running = pool.running.length;
  if (running + ahead < slots) return rttMs + pool.jobTimeMs(running + ahead + 1);
  const fullMs = pool.jobTimeMs(slots);
  const place = running + ahead - slots;
  const slot = place % slots;
  const waves = Math.floor(place / slots);
  const head = pool.running[slot];
  const firstFreeMs = head ? Math.max(0, head.finishV - pool.v) * fullMs : fullMs;
  const startMs = Math.max(firstFreeMs + waves * fullMs, rttMs / 2);
  return startMs + fullMs + rttMs / 2;
}

/**
 * ORACLE: one central dispatcher with exact current state that sends each job where it will
 * finish earliest, and moves jobs off a pool the instant it dies or stalls. The bar, not a
 * deployable design.
 */
export function oraclePolicy(): SimPolicy {
  return {
    name: 'oracle',
    central: true,
    edgeFeatures: false,
    decide(context) {
      const scored: { pool: number; ms: number }[] = [];
      context.pools.forEach((pool, index) => {
        if (index === context.exclude) return;
        const ms = exactCompletionMs(pool, context.dispatcher.rtt[index] ?? 0, context.now);
        if (Number.isFinite(ms)) scored.push({ pool: index, ms });
      });
      scored.sort((a, b) => a.ms - b.ms);
      return { pools: scored.slice(0, 3).map((entry) => entry.pool), predictedMs: scored[0]?.ms ?? 0 };
    },
  };
}
