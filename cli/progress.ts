import type { JobResource } from '../sdk/index.ts';
import type { OutputStream } from './io.ts';

/** Cells of the progress bar. */
const BAR_WIDTH = 24;
const CLEAR_TO_LINE_END = '\x1b[K';

/** Draws a job's progress on a stream (stderr), from the states its event stream yields. */
export interface JobProgressView {
  update(job: JobResource): void;
  /** Ends the line; the view draws nothing after this. */
  finish(): void;
}

function bar(step: number, steps: number, terminal: boolean): string {
  const filled = Math.round((Math.min(step, steps) / steps) * BAR_WIDTH);
  const [done, left] = terminal ? ['█', '░'] : ['#', '.'];
  return `[${done.repeat(filled)}${left.repeat(BAR_WIDTH - filled)}]`;
}

/** One line describing the job's state: its status, queue place or steps, and its pool. */
export function describeJob(job: JobResource, terminal = false): string {
  const where = job.pool_id === null ? '' : ` on ${job.pool_id}`;
  switch (job.status) {
    case 'queued': {
      const position = job.queue_position === null ? '' : ` (position ${job.queue_position})`;
      return `queued${position}${job.pool_id === null ? ' at the edge' : where}`;
    }
    case 'running':
      return job.progress === null
        ? `running${where}`
        : `running ${bar(job.progress.step, job.progress.steps, terminal)} ${job.progress.step}/${job.progress.steps} steps${where}`;
    case 'succeeded':
      return `succeeded${where}`;
    case 'failed':
      return `failed${where}: ${job.error ? `${job.error.code}: ${job.error.message}` : 'no reason given'}`;
    case 'canceled':
      return 'canceled';
  }
}

/**
 * On a terminal, one line redrawn in place (`\r`) with the elapsed time; elsewhere (a pipe, a
 * log) one line per change of state, so logs stay readable.
 */
export function jobProgressView(stream: OutputStream, now: () => number): JobProgressView {
  const terminal = stream.isTTY === true;
  const started = now();
  let last = '';
  let finished = false;
  return {
    update(job) {
      if (finished) return;
      const text = describeJob(job, terminal);
      if (terminal) {
        const elapsed = ((now() - started) / 1000).toFixed(1);
        stream.write(`\r${text}  ${elapsed}s${CLEAR_TO_LINE_END}`);
      } else if (text !== last) {
        stream.write(`${text}\n`);
      }
      last = text;
    },
    finish() {
      if (finished) return;
      finished = true;
      if (terminal && last !== '') stream.write('\n');
    },
  };
}
