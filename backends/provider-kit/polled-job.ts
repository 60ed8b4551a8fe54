import type { BackendCall, BackendResult } from '../backend.ts';
import { BackendCallError } from '../backend-call-error.ts';
import { noAnswerError } from '../failure-policy.ts';
import type { DrivenJob } from './joined-jobs.ts';
import { pause } from './pause.ts';

/** Polls in a row that may fail (no answer, 429, 5xx) before the adapter gives a job up. */
const MAX_POLL_FAILURES = 3;

/** How to follow one provider job until it is done. */
export interface JobPolling<State> {
  readonly intervalMs: number;
  /** The state the submit answered with, settled before the first poll; absent: poll first. */
  readonly initial?: State;
  /** Asks the provider for the job's state once (stopped by `signal`). */
  readonly poll: (signal: AbortSignal) => Promise<State>;
  /** The call's result for a finished state, null while the job runs; throws for a failed job. */
  readonly settle: (state: State) => Promise<BackendResult | null>;
}

/**
 * Follows a submitted provider job: settles each state it learns, pausing `intervalMs` between
 * polls. A poll that fails transiently (no answer, 429, 5xx) is retried up to
 * `MAX_POLL_FAILURES` in a row; any other failure, or one too many, cancels the job at the
 * provider and rejects. When the job stops (cancelled, or every caller left) it is cancelled at
 * the provider and rejects `job_canceled`.
 */
export async function followJob<State>(
  job: DrivenJob,
  call: BackendCall,
  polling: JobPolling<State>,
): Promise<BackendResult> {
  let state = polling.initial;
  let failures = 0;
  for (;;) {
    if (job.stop.aborted) return await stopJob(job, call);
    if (state === undefined) {
      try {
        state = await polling.poll(job.stop);
        failures = 0;
      } catch (error) {
        if (job.stop.aborted) continue;
        failures += 1;
        if (!transient(error) || failures >= MAX_POLL_FAILURES) {
          await job.cancelAtProvider().catch(() => undefined);
          throw error;
        }
      }
    }
    if (state !== undefined) {
      const settled = await polling.settle(state);
      if (settled) return settled;
      state = undefined;
    }
    await pause(polling.intervalMs, job.stop);
  }
}

/** Cancels a stopped job at the provider, then rejects `job_canceled`. */
export async function stopJob(job: DrivenJob, call: BackendCall): Promise<never> {
  await job.cancelAtProvider().catch(() => undefined);
  throw noAnswerError('job_canceled', undefined, `job ${call.jobId} stopped: canceled, or every caller left`);
}

function transient(error: unknown): boolean {
  return (
    BackendCallError.isInstance(error) && error.retryable && (error.status === null || error.status >= 429)
  );
}
