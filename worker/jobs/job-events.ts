import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { isTerminalJobStatus, type JobResource } from '../../shared/index.ts';
import type { JobRecord } from './job-record.ts';

/** One wait for a change; a comment line keeps proxies from closing a quiet stream. */
const ROUND_MS = 25_000;

/** What {@link streamJobEvents} reads the job through. */
export interface JobEventSource {
  /** Resolves with the job once its version passes `afterVersion` (or the round ends); null if it is gone. */
  readonly next: (afterVersion: number, timeoutMs: number) => Promise<JobRecord | null>;
  readonly view: (record: JobRecord) => Promise<JobResource>;
  /** `Last-Event-ID`: the first event sent is the first version after it. */
  readonly afterVersion: number;
}

/**
 * `GET /v1/jobs/:id/events`: Server-Sent Events of the job's states (event = status, data = the
 * JobResource, id = its version). Versions in between are folded into the latest state, so a
 * resumed stream always starts with where the job is now. Ends after a terminal status, or
 * at once when the client already saw it.
 */
export function streamJobEvents(context: Context, source: JobEventSource): Response {
  context.header('cache-control', 'no-store');
  return streamSSE(context, async (stream) => {
    let closed = false;
    stream.onAbort(() => {
      closed = true;
    });
    let seen = source.afterVersion;
    while (!closed) {
      const record = await source.next(seen, ROUND_MS);
      if (record === null) return;
      if (record.version > seen) {
        await stream.writeSSE({
          event: record.status,
          data: JSON.stringify(await source.view(record)),
          id: String(record.version),
        });
        seen = record.version;
      } else if (!isTerminalJobStatus(record.status)) {
        await stream.write(': keep-alive\n\n');
      }
      if (isTerminalJobStatus(record.status)) return;
    }
  });
}
