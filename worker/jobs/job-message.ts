import { z } from 'zod';
import { edgeJobIdSchema } from '../../shared/index.ts';

/** A job queue message: just the job's id; the job object holds everything else. */
export const jobMessageSchema = z.object({ job_id: edgeJobIdSchema });

/** One message on the job queue. */
export type JobMessage = z.infer<typeof jobMessageSchema>;

/**
 * Puts the job on the queue (after `delayMs`, rounded up to whole seconds as the queue counts).
 * A failed send is logged, not thrown: the job object's watchdog alarm enqueues the job again, so
 * nothing is lost.
 */
export async function enqueueJob(queue: Queue<JobMessage>, jobId: string, delayMs = 0): Promise<void> {
  const message: JobMessage = { job_id: jobId };
  try {
    await queue.send(message, { delaySeconds: Math.ceil(delayMs / 1000) });
  } catch (error) {
    console.warn(
      JSON.stringify({ level: 'warn', msg: 'job enqueue failed', job_id: jobId, error: String(error) }),
    );
  }
}
