import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { errorEnvelope } from '../../shared/index.ts';
import type { Job, JobEvent } from '../scheduler/job.ts';
import { generationResponse } from './job-response.ts';
import type { PoolContext, PoolEnv } from './pool-context.ts';

/**
 * Streams a job as server-sent events: `queued` (position), `progress` (step k of n), then
 * `completed` (the response) or `failed` (the error envelope). A client that goes away calls
 * `abandon`, which cancels the job if nobody else waits for it.
 */
export function streamJob(
  context: Context<PoolEnv>,
  pool: PoolContext,
  job: Job,
  warnings: readonly string[],
  abandon: () => void,
): Response {
  return streamSSE(context, async (stream) => {
    const pending: JobEvent[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = job.subscribe((event) => {
      pending.push(event);
      wake?.();
    });
    stream.onAbort(() => {
      unsubscribe();
      abandon();
      wake?.();
    });
    if (job.outcome) pending.push({ type: 'settled', outcome: job.outcome });
    // Every stream opens with `queued`; position 0 means the job went straight into a batch.
    else
      pending.unshift({
        type: 'queued',
        position: job.queuedSamples > 0 ? pool.scheduler.positionOf(job) : 0,
      });
    let id = 0;
    while (!stream.aborted) {
      const event = pending.shift();
      if (!event) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      const { name, data } = describe(pool, job, event, warnings, context.get('requestId'));
      await stream.writeSSE({ event: name, data: JSON.stringify(data), id: String(id++) });
      if (event.type === 'settled') break;
    }
    unsubscribe();
  });
}

function describe(
  pool: PoolContext,
  job: Job,
  event: JobEvent,
  warnings: readonly string[],
  requestId: string,
) {
  const jobId = job.spec.jobId;
  switch (event.type) {
    case 'queued':
      return { name: 'queued', data: { job_id: jobId, position: event.position } };
    case 'progress':
      return { name: 'progress', data: { job_id: jobId, step: event.step, steps: event.steps } };
    case 'settled':
      return event.outcome.ok
        ? { name: 'completed', data: generationResponse(pool, job, event.outcome, warnings) }
        : {
            name: 'failed',
            data: errorEnvelope(event.outcome.failure.code, event.outcome.failure.message, requestId),
          };
  }
}
