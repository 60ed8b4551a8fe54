import { randomUUID } from 'node:crypto';
import { callEdge, type EdgeAnswer, type EdgeCall } from './edge-calls.ts';
import { type JobTracker, jobOf } from './job-tracker.ts';

/**
 * The requests the load cycles through: the tiny model's smallest sizes and a few steps, so three
 * CPU pools sharing two cores keep up with the load even while only one of them serves.
 */
const REQUEST_MIX = [
  { size: '64x64', steps: 4 },
  { size: '128x128', steps: 4 },
  { size: '64x64', steps: 8 },
] as const;
/** Client-side bound on a sync generation; far above what one takes here. */
const SYNC_TIMEOUT_MS = 60_000;
/** Client-side bound on one submission attempt. */
const SUBMIT_TIMEOUT_MS = 15_000;
/** A submission is retried (same `Idempotency-Key`) for at most this long. */
const SUBMIT_RETRY_LIMIT_MS = 30_000;
/** Wait between submission attempts when the edge gave no `Retry-After` (unreachable). */
const SUBMIT_RETRY_MS = 250;
/** At most this long between attempts, whatever `Retry-After` says. */
const SUBMIT_RETRY_CAP_MS = 2_000;

/** The steady load's rates. */
export interface LoadSettings {
  readonly edgeUrl: string;
  readonly apiKey: string;
  readonly syncPerSecond: number;
  readonly asyncPerSecond: number;
  readonly record: (call: EdgeCall) => void;
  readonly tracker: JobTracker;
}

/** A running load. */
export interface RunningLoad {
  /** Stops sending and resolves once every sync request and submission has its answer. */
  stop(): Promise<void>;
}

/**
 * Open-loop steady load: sync `POST /v1/images/generations` and async `POST /v1/jobs` (each with its
 * own `Idempotency-Key`, retried with it as a client SDK would) at fixed rates, whatever the edge
 * answers; every accepted job goes to the tracker.
 */
export function startLoad(settings: LoadSettings): RunningLoad {
  const run = randomUUID().slice(0, 8);
  const pending = new Set<Promise<void>>();
  let count = 0;
  const keep = (work: Promise<void>) => {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  };
  const timers = [
    every(settings.syncPerSecond, () => keep(sendSync(settings, requestBody(count++)))),
    every(settings.asyncPerSecond, () =>
      keep(submit(settings, `chaos-${run}-${count}`, requestBody(count++))),
    ),
  ];
  return {
    stop: async () => {
      for (const timer of timers) if (timer) clearInterval(timer);
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

function every(perSecond: number, send: () => void): NodeJS.Timeout | null {
  return perSecond > 0 ? setInterval(send, 1_000 / perSecond) : null;
}

function requestBody(index: number): object {
  const shape = REQUEST_MIX[index % REQUEST_MIX.length] ?? REQUEST_MIX[0];
  return { prompt: `chaos ${index}`, seed: index, ...shape };
}

async function sendSync(settings: LoadSettings, body: object): Promise<void> {
  const sentAt = Date.now();
  const answer = await callEdge(
    `${settings.edgeUrl}/v1/images/generations`,
    { method: 'POST', headers: jsonHeaders(settings.apiKey), body: JSON.stringify(body) },
    SYNC_TIMEOUT_MS,
  );
  settings.record({ what: 'sync', sentAt, endedAt: Date.now(), answer });
}

/** Submits one job, retrying with the same key until it is accepted or refused for good. */
async function submit(settings: LoadSettings, key: string, body: object): Promise<void> {
  const giveUpAt = Date.now() + SUBMIT_RETRY_LIMIT_MS;
  for (;;) {
    const sentAt = Date.now();
    const answer = await callEdge(
      `${settings.edgeUrl}/v1/jobs`,
      {
        method: 'POST',
        headers: { ...jsonHeaders(settings.apiKey), 'idempotency-key': key },
        body: JSON.stringify(body),
      },
      SUBMIT_TIMEOUT_MS,
    );
    settings.record({ what: 'submit', sentAt, endedAt: Date.now(), answer });
    const job = answer.kind === 'answer' && answer.status === 202 ? jobOf(answer) : null;
    if (job) {
      settings.tracker.track(job.id, key, body, Date.now());
      return;
    }
    const wait = retryWait(answer);
    if (wait === null || Date.now() + wait > giveUpAt) return;
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
}

/** How long to wait before trying a submission again; null when it should not be retried. */
function retryWait(answer: EdgeAnswer): number | null {
  if (answer.kind === 'transport') return SUBMIT_RETRY_MS;
  const retryable = answer.status === 429 || answer.status >= 500;
  if (!retryable) return null;
  const seconds = Number(answer.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0
    ? Math.min(SUBMIT_RETRY_CAP_MS, seconds * 1_000)
    : SUBMIT_RETRY_MS;
}

/** Headers of a tenant's JSON POST. */
export function jsonHeaders(apiKey: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
}
