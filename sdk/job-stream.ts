import { sleep } from './abort.ts';
import { SpillwayError } from './errors.ts';
import type { RequestOptions, ResolvedOptions } from './options.ts';
import { parseJobResource } from './parse.ts';
import { backoffDelay } from './retry.ts';
import { readServerSentEvents } from './server-sent-events.ts';
import { open } from './transport.ts';
import { isTerminal, type JobResource } from './types.ts';

/** Options of `stream()`. */
export interface StreamOptions extends RequestOptions {
  /** Resume after this SSE event id (a job version), e.g. one saved before the app slept. */
  lastEventId?: string;
}

/** What one poll read: the job, or null when it is still in the state `etag` names; and its `ETag`. */
export interface PollResult {
  readonly job: JobResource | null;
  readonly etag: string | null;
}

/**
 * One read of the job, long-polling for up to `waitSeconds` when that is above 0: with `etag`
 * (the state the client holds) until the job changes, without it until the job ends.
 */
export type PollJob = (
  id: string,
  signal: AbortSignal | undefined,
  waitSeconds: number,
  etag: string | null,
) => Promise<PollResult>;

/**
 * The job's states until a terminal one: over SSE while the runtime can stream response bodies,
 * reconnecting with `Last-Event-ID` after a drop; by long-polling when SSE is unavailable or
 * keeps dropping (mobile networks, proxies that buffer, React Native's fetch). Each distinct
 * state is yielded once.
 */
export async function* streamJob(
  options: ResolvedOptions,
  id: string,
  call: StreamOptions,
  poll: PollJob,
): AsyncGenerator<JobResource, void, undefined> {
  const { signal } = call;
  let lastEventId = call.lastEventId ?? null;
  let seen = '';
  const fresh = (job: JobResource) => {
    const key = JSON.stringify(job);
    if (key === seen) return false;
    seen = key;
    return true;
  };
  let drops = 0;
  let streaming = options.streaming && typeof ReadableStream === 'function';
  while (streaming) {
    let opened: Awaited<ReturnType<typeof open>>;
    try {
      opened = await open(options, {
        ...call,
        method: 'GET',
        path: `/v1/jobs/${encodeURIComponent(id)}/events`,
        headers: {
          ...call.headers,
          accept: 'text/event-stream',
          ...(lastEventId === null ? {} : { 'last-event-id': lastEventId }),
        },
      });
    } catch (error) {
      if (!(error instanceof SpillwayError)) throw error;
      // The poll reports real errors (unknown job, refused credentials) just the same.
      break;
    }
    const { response, release } = opened;
    const body = response.body;
    if (!body || !response.headers.get('content-type')?.startsWith('text/event-stream')) {
      release();
      await body?.cancel();
      break;
    }
    let progressed = false;
    try {
      for await (const event of readServerSentEvents(body, options.streamIdleTimeoutMs)) {
        if (event.id !== null) lastEventId = event.id;
        const job = readJob(event.data);
        if (!job) continue;
        progressed = true;
        if (fresh(job)) yield job;
        if (isTerminal(job)) return;
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      // A dropped connection: reconnect below.
    } finally {
      release();
    }
    // Ended without a terminal state: a drop, or the server knew we had seen it all. One quick
    // read tells which before reconnecting.
    const current = (await poll(id, signal, 0, null)).job;
    if (current && fresh(current)) yield current;
    if (current && isTerminal(current)) return;
    drops = progressed ? 1 : drops + 1;
    streaming = drops <= (call.maxRetries ?? options.maxRetries);
    if (streaming) await sleep(backoffDelay(drops - 1, options), signal);
  }
  // Each long poll names the state held (its ETag), so the server answers at the next change:
  // progress shows as it would over SSE, not only the end.
  let etag: string | null = null;
  for (let reads = 0; ; reads++) {
    const started = Date.now();
    // The first read answers at once with the job as it is (and its ETag) rather than at its end.
    const read = await poll(id, signal, reads === 0 ? 0 : options.pollWaitSeconds, etag);
    etag = read.etag ?? etag;
    const job = read.job;
    if (job && fresh(job)) yield job;
    if (job && isTerminal(job)) return;
    // A server that answers at once (no long-poll support) is still polled at most this often.
    await sleep(Math.max(0, options.pollIntervalMs - (Date.now() - started)), signal);
  }
}

function readJob(data: string): JobResource | null {
  try {
    return parseJobResource(JSON.parse(data));
  } catch {
    // Not a job state (a keep-alive or an event this SDK version does not know).
    return null;
  }
}
