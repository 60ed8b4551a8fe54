import type { ServerResponse } from 'node:http';
import { isTerminalJobStatus, type JobResource, jobResourceSchema } from '../../shared/index.ts';
import {
  type ProtocolServer,
  type RecordedRequest,
  replyError,
  replyJson,
  startProtocolServer,
} from './protocol-server.ts';

/** How the simulated jobs API behaves. */
export interface JobServerOptions {
  /** Running states per job before it succeeds. */
  readonly steps?: number;
  /** Each job moves on to its next state this often. */
  readonly tickMs?: number;
  /** Jobs move on only when the test calls `advance`: no clock, so no race with the client. */
  readonly manual?: boolean;
  /** `false`: the events route answers 404, as a deployment without SSE would. */
  readonly sse?: boolean;
  /** Destroys each of the first `connections` SSE connections after it sent `events` events. */
  readonly dropSse?: { readonly events: number; readonly connections: number };
  /** The first `stallSse` SSE connections send their headers and then nothing, like a half-open socket. */
  readonly stallSse?: number;
}

/** The simulated jobs API and its state, for assertions. */
export interface JobServer extends ProtocolServer {
  /** Every version of every job, in order; version n is `versions[n - 1]`. */
  readonly jobs: Map<string, JobResource[]>;
  /** Moves a job on to its next state (running step by step, then succeeded); none once terminal. */
  advance(id: string): void;
}

/**
 * A local server speaking the job contract of `shared/schemas/job-resource.ts` (routes, long-poll,
 * SSE with `Last-Event-ID`, idempotency keys). Every body it sends is parsed with the shared zod
 * schema first, so the SDK is tested against the contract, not against this file's guesses.
 */
export async function startJobServer(options: JobServerOptions = {}): Promise<JobServer> {
  const steps = options.steps ?? 2;
  const jobs = new Map<string, JobResource[]>();
  const keys = new Map<string, { body: string; id: string }>();
  const listeners = new Set<() => void>();
  const timers = new Set<ReturnType<typeof setInterval>>();
  let sseConnections = 0;
  let counter = 0;
  const changed = () => {
    for (const listener of listeners) listener();
  };
  const push = (id: string, patch: Partial<JobResource>) => {
    const versions = jobs.get(id) ?? [];
    const previous = versions.at(-1);
    if (!previous) return;
    versions.push(jobResourceSchema.parse({ ...previous, ...patch, updated_at: previous.updated_at + 1 }));
    changed();
  };
  const latest = (id: string) => jobs.get(id)?.at(-1);
  /** Pushes the job's next state; false once it was terminal already. */
  const advance = (id: string): boolean => {
    const current = latest(id);
    if (!current || isTerminalJobStatus(current.status)) return false;
    const step = (current.progress?.step ?? 0) + 1;
    if (step <= steps) {
      push(id, {
        status: 'running',
        queue_position: null,
        estimated_start_at: null,
        pool_id: 'pool-a',
        attempts: 1,
        progress: { step, steps },
      });
    } else {
      push(id, {
        status: 'succeeded',
        progress: null,
        result: { created: 1_700_000_001, data: [{ b64_json: 'iVBORw0KGgo=', seed: 7 }], warnings: [] },
      });
    }
    return true;
  };
  const create = (request: RecordedRequest): JobResource => {
    counter += 1;
    const id = `job_${String(counter).padStart(20, '0')}`;
    const created = jobResourceSchema.parse({
      id,
      object: 'spillway.job',
      status: 'queued',
      created_at: 1_700_000_000,
      updated_at: 1_700_000_000,
      model: String(JSON.parse(request.body).model ?? 'spillway-tiny'),
      queue_position: 0,
      estimated_start_at: 1_700_000_000_500,
      progress: null,
      result: null,
      error: null,
      pool_id: null,
      attempts: 0,
      status_url: `/v1/jobs/${id}`,
      events_url: `/v1/jobs/${id}/events`,
      cancel_url: `/v1/jobs/${id}`,
    });
    jobs.set(id, [created]);
    if (options.manual) return created;
    const timer = setInterval(() => {
      if (!advance(id)) clearInterval(timer);
    }, options.tickMs ?? 40);
    timers.add(timer);
    return created;
  };
  const waitForChange = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        listeners.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(done, ms);
      listeners.add(done);
    });

  const stream = (request: RecordedRequest, response: ServerResponse, id: string) => {
    sseConnections += 1;
    const drop =
      options.dropSse && sseConnections <= options.dropSse.connections ? options.dropSse.events : Infinity;
    let next = Number(request.headers['last-event-id'] ?? 0) + 1;
    let sent = 0;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    if (sseConnections <= (options.stallSse ?? 0)) {
      response.flushHeaders();
      return;
    }
    response.write(': connected\n\n');
    const flush = () => {
      const versions = jobs.get(id) ?? [];
      for (; next <= versions.length; next++) {
        const job = versions[next - 1];
        if (!job) return;
        if (sent >= drop) {
          listeners.delete(flush);
          response.destroy();
          return;
        }
        response.write(`event: ${job.status}\nid: ${next}\ndata: ${JSON.stringify(job)}\n\n`);
        sent += 1;
        if (isTerminalJobStatus(job.status)) {
          listeners.delete(flush);
          response.end();
          return;
        }
      }
    };
    const current = latest(id);
    // Like the Worker: a client that already saw the terminal state gets an empty stream.
    if (current && isTerminalJobStatus(current.status) && next > (jobs.get(id)?.length ?? 0)) {
      response.end();
      return;
    }
    listeners.add(flush);
    response.on('close', () => listeners.delete(flush));
    flush();
  };

  const server = await startProtocolServer(async (request, response) => {
    const path = request.url.split('?')[0] ?? '';
    const match = /^\/v1\/jobs\/([^/]+)(\/events)?$/.exec(path);
    if (request.method === 'POST' && path === '/v1/jobs') {
      const key = String(request.headers['idempotency-key'] ?? '');
      const known = keys.get(key);
      if (known && known.body !== request.body) return replyError(response, 422, 'idempotency_key_mismatch');
      const job = known ? latest(known.id) : create(request);
      if (!job) return replyError(response, 500, 'internal_error');
      if (key && !known) keys.set(key, { body: request.body, id: job.id });
      return replyJson(response, 202, job);
    }
    const id = match?.[1] ?? '';
    const job = latest(id);
    if (!match) return replyError(response, 404, 'not_found');
    if (!job) return replyError(response, 404, 'job_not_found');
    if (match[2])
      return options.sse === false ? replyError(response, 404, 'not_found') : stream(request, response, id);
    if (request.method === 'DELETE') {
      if (!isTerminalJobStatus(job.status))
        push(id, { status: 'canceled', progress: null, queue_position: null, estimated_start_at: null });
      return replyJson(response, 200, latest(id));
    }
    const wait = /wait=(\d+)/.exec(String(request.headers.prefer ?? ''));
    if (wait && !isTerminalJobStatus(job.status)) await waitForChange(Number(wait[1]) * 1000);
    return replyJson(response, 200, latest(id));
  });
  return {
    ...server,
    jobs,
    advance,
    async close() {
      for (const timer of timers) clearInterval(timer);
      await server.close();
    },
  };
}
