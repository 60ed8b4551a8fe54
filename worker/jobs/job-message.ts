import { z } from 'zod';
import { edgeJobIdSchema } from '../../shared/index.ts';

/**
 * A job queue message: the job's id, and its model, whose waiting room says which job the message's
 * turn dispatches (`worker/jobs/job-consumer.ts`); the job object holds everything else. Messages
 * from before the model was added name only the job, and dispatch it.
 */
export const jobMessageSchema = z.object({
  job_id: edgeJobIdSchema,
  model: z.string().min(1).max(128).optional(),
});

/** One message on the job queue. */
export type JobMessage = z.infer<typeof jobMessageSchema>;

/**
 * Puts a turn for the job on the queue (after `delayMs`, rounded up to whole seconds as the queue counts).
 * A failed send is logged, not thrown: the job object's watchdog alarm enqueues the job again, so
 * nothing is lost.
 */
export async function enqueueJob(
  queue: Queue<JobMessage>,
  jobId: string,
  model: string | undefined,
  delayMs = 0,
): Promise<void> {
  const message: JobMessage = model === undefined ? { job_id: jobId } : { job_id: jobId, model };
  try {
    await queue.send(message, { delaySeconds: Math.ceil(delayMs / 1000) });
  } catch (error) {
    console.warn(
      JSON.stringify({ level: 'warn', msg: 'job enqueue failed', job_id: jobId, error: String(error) }),
    );
  }
}
