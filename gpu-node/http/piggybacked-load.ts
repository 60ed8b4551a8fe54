import type { PiggybackedLoad } from '../../shared/index.ts';
import type { Scheduler } from '../scheduler/scheduler.ts';

/**
 * The pool's load as it piggybacks it on every answer (`x-spillway-*` headers) and, as a job
 * leaves it, on that job's event stream (`load`).
 */
export function piggybackedLoad(scheduler: Pick<Scheduler, 'load'>): PiggybackedLoad {
  const load = scheduler.load();
  return {
    queued: load.queued,
    running: load.running,
    slots: load.slots,
    draining: load.draining,
    queuedWork: load.queuedWork,
    runningWork: load.runningWork,
  };
}
