import type { PoolSim } from '../pool-sim.ts';
import type { Job } from '../sim-types.ts';
import { aloneMs } from '../true-curves.ts';
import type { SimPolicy } from './policy.ts';

/** Float tolerance on remaining steps. */
const EPSILON_STEPS = 1e-9;

/**
 * When a job sent now would come back from this pool, ms from now, from the pool's exact state
 * and true curve: the batcher replayed forward (every running image's remaining steps, the queue
 * and the copies in transit ahead of the job, each image taking a slot in order, each step at the
 * true step time of its batch), with no later arrivals, plus the round trip; the job cannot start
 * before it arrives. Dead and stalled pools never finish. Stops early, returning Infinity, once the
 * answer cannot beat `boundMs`.
 */
export function exactCompletionMs(
  pool: PoolSim,
  job: Job,
  rttMs: number,
  now: number,
  boundMs = Infinity,
): number {
  if (pool.dead || pool.stalledSince >= 0) return Number.POSITIVE_INFINITY;
  const progress = pool.progressAt(now);
  const slots = pool.slots;
  const remaining: number[] = [];
  const megapixels: number[] = [];
  const ours: boolean[] = [];
  for (const image of pool.running) {
    remaining.push(image.finishV - progress);
    megapixels.push(image.megapixels);
    ours.push(false);
  }
  // Images waiting, in order: [steps, megapixels, count, ours].
  const waiting: [number, number, number, boolean][] = [];
  for (let at = pool.queueHead; at < pool.queue.length; at++) {
    const copy = pool.queue[at];
    if (!copy || copy.unstarted <= 0 || (copy.state !== 'queued' && copy.state !== 'running')) continue;
    waiting.push([copy.job.steps, copy.job.megapixels, copy.unstarted, false]);
  }
  for (const copy of pool.inTransit)
    waiting.push([copy.job.steps, copy.job.megapixels, copy.job.images, false]);
  waiting.push([job.steps, job.megapixels, job.images, true]);
  const arrivesMs = rttMs / 2;
  let oursLeft = job.images;
  let elapsed = 0;
  let head = 0;
  for (;;) {
    // Fill free slots in order; the job's own images only once it has arrived.
    while (remaining.length < slots && head < waiting.length) {
      const entry = waiting[head];
      if (!entry) break;
      if (entry[3] && elapsed < arrivesMs) break;
      remaining.push(entry[0]);
      megapixels.push(entry[1]);
      ours.push(entry[3]);
      entry[2]--;
      if (entry[2] === 0) head++;
    }
    const waitingForArrival = head < waiting.length && remaining.length < slots && elapsed < arrivesMs;
    if (remaining.length === 0) {
      elapsed = arrivesMs;
      continue;
    }
    let batch = 0;
    let fewest = Number.POSITIVE_INFINITY;
    for (let at = 0; at < remaining.length; at++) {
      batch += megapixels[at] ?? 0;
      fewest = Math.min(fewest, remaining[at] ?? 0);
    }
    const stepMs = pool.stepTime(batch) * pool.slowFactor;
    let steps = fewest;
    if (waitingForArrival && elapsed + steps * stepMs > arrivesMs) steps = (arrivesMs - elapsed) / stepMs;
    elapsed += steps * stepMs;
    if (elapsed + rttMs / 2 >= boundMs) return Number.POSITIVE_INFINITY;
    for (let at = remaining.length - 1; at >= 0; at--) {
      const left = (remaining[at] ?? 0) - steps;
      if (left > EPSILON_STEPS) {
        remaining[at] = left;
        continue;
      }
      if (ours[at]) oursLeft--;
      remaining.splice(at, 1);
      megapixels.splice(at, 1);
      ours.splice(at, 1);
    }
    if (oursLeft === 0) return Math.max(elapsed, arrivesMs) + rttMs / 2;
  }
}

/**
 * ORACLE: one central dispatcher that knows every job's true work and every pool's true curve and
 * exact state, sends each job where it will finish earliest (`exactCompletionMs`), and moves jobs
 * off a pool the instant it dies or stalls. The bar, not a deployable design.
 */
export function oraclePolicy(): SimPolicy {
  return {
    name: 'oracle',
    central: true,
    edgeFeatures: false,
    decide(context) {
      const { job } = context;
      // Cheapest first by a lower bound (the job alone on the pool), so most pools are ruled out early.
      const order = context.pools
        .map((pool, index) => {
          const rtt = context.dispatcher.rtt[index] ?? 0;
          const alone = aloneMs(pool.stepTime, pool.slots, job.images, job.steps, job.megapixels);
          return { pool, index, rtt, bound: rtt + alone * pool.slowFactor };
        })
        .filter((entry) => entry.index !== context.exclude)
        .sort((a, b) => a.bound - b.bound);
      let best = -1;
      let bestMs = Number.POSITIVE_INFINITY;
      for (const entry of order) {
        if (entry.bound >= bestMs) break;
        const ms = exactCompletionMs(entry.pool, job, entry.rtt, context.now, bestMs);
        if (ms < bestMs) {
          best = entry.index;
          bestMs = ms;
        }
      }
      return best < 0 ? { pools: [], predictedMs: 0 } : { pools: [best], predictedMs: bestMs };
    },
  };
}
