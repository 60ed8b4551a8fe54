import { pricePerImageOf } from '../../worker/routing/index.ts';
import type { PoolSpec } from './pool-spec.ts';
import type { Job } from './sim-types.ts';

/**
 * Each job's images and what its copies cost, USD: price per image x images for every copy that
 * started on its pool (a hedge's loser, or a cancelled copy that had started, is billed too).
 */
export function billOf(
  fleet: readonly PoolSpec[],
  jobs: readonly Job[],
  jobCount: number,
): { images: Uint16Array; costUsd: Float64Array } {
  const prices = fleet.map(pricePerImageOf);
  const images = new Uint16Array(jobCount);
  const costUsd = new Float64Array(jobCount);
  for (const job of jobs) {
    images[job.id] = job.images;
    for (const copy of job.copies) {
      if (copy.startedAt > 0 || copy.state === 'done') {
        costUsd[job.id] = (costUsd[job.id] ?? 0) + (prices[copy.pool] ?? 0) * job.images;
      }
    }
  }
  return { images, costUsd };
}
