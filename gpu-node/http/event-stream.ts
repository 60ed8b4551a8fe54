import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { errorEnvelope, LOAD_EVENT, loadEventData } from '../../shared/index.ts';
import type { Job, JobEvent } from '../scheduler/job.ts';
import { generationResponse } from './job-response.ts';
import { piggybackedLoad } from './piggybacked-load.ts';
import type { PoolContext, PoolEnv } from './pool-context.ts';

/**
 * Least ms between two `progress` events of one stream. A small image steps every few ms on a
 * CPU, and every event is a write here and a read, a parse and a callback at the client (the
 * edge's largest single cost per request under overload, bench:overload profile): what a client
 * needs is that the job moves (the edge calls a call stalled after 400 ms without an event, or 4
 * of its event gaps), not every step.
 */
export const PROGRESS_EVENT_MIN_MS = 100;

/**
 * Streams a job as server-sent events: `queued` (position), `progress` (step k of n: the first
 * and the last step at once, between them the latest step at most every
 * `PROGRESS_EVENT_MIN_MS`), then `load` (the pool's load as the job leaves it, the load headers'
 * entries as one JSON object) and `completed` (the response) or `failed` (the error envelope). A
 * client that goes away calls `abandon`, which cancels the job if nobody else waits for it.
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
    // Every stream opens with `queued`; position 0 means the job went straight into a batch,
    // and the batch's megapixels say how fast it will step there (the edge may move it if slow).
    else {
      const batchMegapixels = pool.scheduler.batchMegapixelsOf(job);
      pending.unshift({
        type: 'queued',
        position: job.queuedSamples > 0 ? pool.scheduler.positionOf(job) : 0,
        ...(batchMegapixels > 0 ? { batchMegapixels } : {}),
      });
    }
    const progress = new ProgressPacer(() => wake?.());
    let id = 0;
    while (!stream.aborted) {
      const event = pending.shift() ?? progress.due(performance.now());
      if (!event) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if (event.type === 'progress' && !progress.mayWrite(event, performance.now())) continue;
      // The pool's load as the job leaves it: the stream's headers are as old as the job.
      if (event.type === 'settled') {
        await stream.writeSSE({ event: LOAD_EVENT, data: loadEventData(piggybackedLoad(pool.scheduler)) });
      }
      const { name, data } = describe(pool, job, event, warnings, context.get('requestId'));
      await stream.writeSSE({ event: name, data: JSON.stringify(data), id: String(id++) });
      if (event.type === 'settled') break;
    }
    progress.stop();
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
    case 'queued': {
      // Read as the event is written: a waiting job's wait is the pool's now, not as it queued.
      const wait = pool.scheduler.waitOf(job);
      const batchMegapixels = wait ? wait.batchMegapixels : event.batchMegapixels;
      return {
        name: 'queued',
        data: {
          job_id: jobId,
          position: event.position,
          ...(batchMegapixels === undefined
            ? {}
            : { batch_megapixels: Math.round(batchMegapixels * 1e6) / 1e6 }),
          ...(wait ? { start_in_ms: Math.round(wait.startInMs) } : {}),
        },
      };
    }
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

type ProgressEvent = Extract<JobEvent, { type: 'progress' }>;

const TIMER_SLACK_MS = 1;

/**
 * Paces one stream's `progress` events: one is written at once when the last went out at least
 * `PROGRESS_EVENT_MIN_MS` ago; otherwise it is held (a newer one replaces it) and handed back by
 * `due` once that time has passed, the stream woken for it by a timer. The last step (`step` =
 * `steps`) is never held: it says the denoising is over and only decode and encode are left, and
 * a held one would be dropped by the `completed` that follows it (a progress bar would jump).
 *
 * @example
 * const pacer = new ProgressPacer(wake);
 * if (event.type !== 'progress' || pacer.mayWrite(event, performance.now())) write(event);
 */
export class ProgressPacer {
  readonly #wake: () => void;
  #lastWrittenAt = Number.NEGATIVE_INFINITY;
  #held: ProgressEvent | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /** Whether to write this progress event now; if not, it is held for later. */
  mayWrite(event: ProgressEvent, now: number): boolean {
    const waitMs = this.#lastWrittenAt + PROGRESS_EVENT_MIN_MS - now;
    // A timer may fire a fraction of a ms before its time by this clock: that counts as due.
    if (waitMs <= TIMER_SLACK_MS || event.step >= event.steps) {
      this.#held = null;
      this.#lastWrittenAt = now;
      return true;
    }
    this.#held = event;
    this.#timer ??= setTimeout(() => {
      this.#timer = null;
      this.#wake();
    }, waitMs);
    return false;
  }

  /** The held event once its time has come, else null. */
  due(now: number): ProgressEvent | null {
    if (this.#held === null || now < this.#lastWrittenAt + PROGRESS_EVENT_MIN_MS - TIMER_SLACK_MS)
      return null;
    return this.#held;
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#held = null;
  }
}
