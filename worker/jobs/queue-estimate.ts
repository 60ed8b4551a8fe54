import type { PoolView } from '../routing/index.ts';

/** Job time assumed for a pool that has not reported one (the routing policy's default). */
const DEFAULT_JOB_MS = 1_000;

/**
 * When a job `position` images back in a pool's queue should start (epoch ms). Where the pool
 * stated its wait (gpu-node's `start_in_ms`: the steps the running images and the images ahead
 * hold their slots for), that. Else with continuous batching a slot frees every `jobMs / slots` on
 * average, and the job needs `position + 1` of them: the pool's own figures from the isolate's
 * snapshot; without them, one slot and the default job time.
 *
 * @example
 * estimatedStartAt({ slots: 4, jobMs: 800 }, 3, Date.now()); // now + 800 ms
 * estimatedStartAt({ slots: 4, jobMs: 800 }, 3, Date.now(), 5_000); // now + 5 s, as the pool said
 */
export function estimatedStartAt(
  pool: Pick<PoolView, 'slots' | 'jobMs'> | undefined,
  position: number,
  now: number,
  statedStartInMs?: number,
): number {
  if (statedStartInMs !== undefined) return Math.round(now + Math.max(0, statedStartInMs));
  const slots = Math.max(1, pool?.slots ?? 1);
  const jobMs = pool?.jobMs ?? DEFAULT_JOB_MS;
  return Math.round(now + ((Math.max(0, position) + 1) / slots) * jobMs);
}
