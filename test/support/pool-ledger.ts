import { metrics, metricValue } from './pool-client.ts';

/**
 * What a pool has been handed so far, from its own `/metrics`: the images it carries now (running
 * and queued), the jobs that ended, and the jobs that failed plus the requests it refused. Every
 * generation request a pool accepts or refuses moves one of them, so two equal ledgers taken at
 * different times mean the pool was handed no work in between, not even a copy it dropped again.
 */
export interface PoolLedger {
  readonly carrying: number;
  readonly ended: number;
  readonly failedOrRefused: number;
}

/** The pool's {@link PoolLedger} now. */
export async function poolLedger(poolUrl: string): Promise<PoolLedger> {
  const families = await metrics(poolUrl);
  return {
    carrying:
      metricValue(families, 'spillway_queue_depth') + metricValue(families, 'spillway_running_images'),
    ended: metricValue(families, 'spillway_jobs_total'),
    failedOrRefused: metricValue(families, 'spillway_job_failures_total'),
  };
}
