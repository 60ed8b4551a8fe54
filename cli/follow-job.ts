import type { JobResource, Spillway } from '../sdk/index.ts';
import type { CommandContext } from './context.ts';
import { CliError, exitCodes } from './errors.ts';
import { jobProgressView } from './progress.ts';
import { tenantCall, tenantFailure } from './tenant-errors.ts';

/** What {@link followJob} reports each state to, besides the progress line. */
export interface FollowOptions {
  /** Draw the progress line on stderr. */
  readonly progress: boolean;
  /** Called with every state the stream yields (e.g. `--json` lines). */
  readonly onState?: (job: JobResource) => void;
  /** Ctrl-C cancels the job (`generate`: its own job) rather than only stop following it. */
  readonly cancelOnInterrupt: boolean;
  /** A state already known (the submission's answer), shown before the stream opens. */
  readonly initial?: JobResource;
}

/**
 * Follows a job over its SSE event stream (the SDK falls back to long-polling where the stream
 * drops) until it is terminal, and returns that state. Ctrl-C ends with an error; for a job the
 * command submitted itself it first cancels it, so no work runs that nobody will collect.
 */
export async function followJob(
  context: CommandContext,
  client: Spillway,
  edgeUrl: string,
  jobId: string,
  options: FollowOptions,
): Promise<JobResource> {
  const { io } = context;
  const view = options.progress ? jobProgressView(io.stderr, io.now) : null;
  const interrupt = new AbortController();
  const stopListening = io.onInterrupt(() => interrupt.abort());
  let last: JobResource | null = null;
  if (options.initial) view?.update(options.initial);
  try {
    for await (const job of client.stream(jobId, { signal: interrupt.signal })) {
      last = job;
      view?.update(job);
      options.onState?.(job);
    }
  } catch (error) {
    view?.finish();
    if (!interrupt.signal.aborted) throw tenantFailure(edgeUrl, error);
    if (!options.cancelOnInterrupt)
      throw new CliError(`interrupted: stopped following job ${jobId}, which goes on`, exitCodes.interrupted);
    const canceled = await tenantCall(edgeUrl, () => client.cancel(jobId)).catch(() => null);
    const outcome =
      canceled?.status === 'canceled'
        ? 'canceled'
        : 'may still be running (cancel it with `spillway jobs cancel`)';
    throw new CliError(`interrupted: job ${jobId} ${outcome}`, exitCodes.interrupted);
  } finally {
    stopListening();
    view?.finish();
  }
  if (last === null) throw new CliError(`the edge sent no state for job ${jobId}`);
  return last;
}

/** The error for a job that ended without succeeding: `job … failed: code: message`, `job … canceled`. */
export function jobEndedError(job: JobResource): CliError {
  if (job.status !== 'failed') return new CliError(`job ${job.id} ${job.status}`, exitCodes.jobFailed);
  const reason = job.error ? `${job.error.code}: ${job.error.message}` : 'no reason given';
  return new CliError(`job ${job.id} failed: ${reason}`, exitCodes.jobFailed);
}
