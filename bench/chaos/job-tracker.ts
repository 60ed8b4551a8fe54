import { isTerminalJobStatus, type JobResource, jobResourceSchema } from '../../shared/index.ts';
import { callEdge, type EdgeAnswer, type EdgeCall } from './edge-calls.ts';

/** How long one long-poll asks the edge to hold a job's answer (`Prefer: wait`), seconds. */
const LONG_POLL_S = 10;
/** Client-side bound on a long-poll: its wait plus room for a slow answer. */
const LONG_POLL_TIMEOUT_MS = (LONG_POLL_S + 5) * 1_000;
/** Pause after a poll that got no job (edge restarting, an error answer). */
const POLL_RETRY_MS = 250;

/** One accepted job, followed to its end. */
export interface TrackedJob {
  readonly id: string;
  readonly idempotencyKey: string;
  readonly body: object;
  /** Epoch ms of the 202. */
  readonly acceptedAt: number;
  /** The first terminal state read, and when; null while it never got there. */
  terminal: JobResource | null;
  terminalAt: number | null;
  /** Result image paths (signed query left off) of every succeeded read, one entry per distinct set. */
  readonly resultSets: Set<string>;
  /** True once a read after a terminal state showed the job unfinished again (or gone). */
  reopened: boolean;
}

/** Where the tracker sends its calls and records them. */
export interface JobTrackerSettings {
  readonly edgeUrl: string;
  readonly apiKey: string;
  readonly record: (call: EdgeCall) => void;
}

/**
 * Follows every accepted async job with `GET /v1/jobs/:id` and `Prefer: wait` until it is
 * terminal, through edge restarts (a transport error is retried), and keeps what each read showed.
 */
export class JobTracker {
  readonly jobs: TrackedJob[] = [];
  readonly #settings: JobTrackerSettings;
  readonly #followers: Array<Promise<void>> = [];
  #stopAt = Number.POSITIVE_INFINITY;

  constructor(settings: JobTrackerSettings) {
    this.#settings = settings;
  }

  /** Starts following a job the edge accepted. */
  track(id: string, idempotencyKey: string, body: object, acceptedAt: number): void {
    const job: TrackedJob = {
      id,
      idempotencyKey,
      body,
      acceptedAt,
      terminal: null,
      terminalAt: null,
      resultSets: new Set(),
      reopened: false,
    };
    this.jobs.push(job);
    this.#followers.push(this.#follow(job));
  }

  /** Waits until every job is terminal or `limitMs` passed; the rest stay unfinished. */
  async drain(limitMs: number): Promise<void> {
    this.#stopAt = Date.now() + limitMs;
    await Promise.all(this.#followers);
  }

  /** Reads one job now (no wait) and folds what it shows into its record. */
  async reread(job: TrackedJob): Promise<void> {
    const answer = await this.#get(job.id, null);
    const read = jobOf(answer);
    if (!read || !isTerminal(read)) {
      if (job.terminal) job.reopened = true;
      return;
    }
    this.#observe(job, read);
  }

  async #follow(job: TrackedJob): Promise<void> {
    while (!job.terminal && Date.now() < this.#stopAt) {
      const answer = await this.#get(job.id, LONG_POLL_S);
      const read = jobOf(answer);
      if (read && isTerminal(read)) this.#observe(job, read);
      else if (!read) await new Promise((resolve) => setTimeout(resolve, POLL_RETRY_MS));
    }
  }

  #observe(job: TrackedJob, read: JobResource): void {
    if (job.terminal && job.terminal.status !== read.status) job.reopened = true;
    if (!job.terminal) {
      job.terminal = read;
      job.terminalAt = Date.now();
    }
    if (read.status === 'succeeded') job.resultSets.add(resultPaths(read));
  }

  async #get(id: string, waitS: number | null): Promise<EdgeAnswer> {
    const sentAt = Date.now();
    const answer = await callEdge(
      `${this.#settings.edgeUrl}/v1/jobs/${id}`,
      {
        headers: {
          authorization: `Bearer ${this.#settings.apiKey}`,
          ...(waitS === null ? {} : { prefer: `wait=${waitS}` }),
        },
      },
      LONG_POLL_TIMEOUT_MS,
    );
    this.#settings.record({ what: 'poll', sentAt, endedAt: Date.now(), answer });
    return answer;
  }
}

/** The job an answer holds, or null for anything else. */
export function jobOf(answer: EdgeAnswer): JobResource | null {
  if (answer.kind !== 'answer' || answer.status >= 300) return null;
  const parsed = jobResourceSchema.safeParse(answer.body);
  return parsed.success ? parsed.data : null;
}

function isTerminal(job: JobResource): boolean {
  return isTerminalJobStatus(job.status);
}

/** The result's image paths: each read signs fresh URLs, so only the path names the image. */
function resultPaths(job: JobResource): string {
  return (job.result?.data ?? []).map((image) => (image.url ? new URL(image.url).pathname : '')).join(' ');
}
