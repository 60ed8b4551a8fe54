import { afterEach, describe, expect, it } from 'vitest';
import { Spillway } from './index.ts';
import { type JobServer, type JobServerOptions, startJobServer } from './testing/job-protocol-server.ts';

let server: JobServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function streamAll(
  options: JobServerOptions,
  client: Partial<ConstructorParameters<typeof Spillway>[0]> = {},
) {
  server = await startJobServer(options);
  const spillway = new Spillway({
    baseUrl: server.url,
    apiKey: 'sk_test',
    retryBaseMs: 10,
    pollWaitSeconds: 5,
    pollIntervalMs: 20,
    ...client,
  });
  const job = await spillway.submit({ prompt: 'x' });
  const started = performance.now();
  const states = [];
  let firstStateAfterMs = Number.NaN;
  for await (const state of spillway.stream(job.id)) {
    if (states.length === 0) firstStateAfterMs = performance.now() - started;
    states.push(state);
    // A manual job moves on once the client has seen its current state: what the client sees
    // depends on what it did, not on how fast this host ran it.
    if (options.manual) server.advance(job.id);
  }
  const requests = server.requests.filter((request) => request.method === 'GET');
  return {
    job,
    states,
    statuses: states.map((state) => `${state.status}${state.progress ? `:${state.progress.step}` : ''}`),
    sse: requests.filter((request) => request.url.endsWith('/events')),
    polls: requests.filter((request) => !request.url.endsWith('/events')),
    versions: server.jobs.get(job.id) ?? [],
    firstStateAfterMs,
  };
}

/** Node may fire a timer up to a millisecond early against a sub-millisecond clock. */
const TIMER_GRANULARITY_MS = 1;

describe('stream()', () => {
  it('SSE: yields every state in order, once each, and ends at the terminal one', async () => {
    const run = await streamAll({ steps: 3 });
    expect(run.statuses).toEqual(['queued', 'running:1', 'running:2', 'running:3', 'succeeded']);
    expect(run.states).toEqual(run.versions);
    expect(run.sse).toHaveLength(1);
    expect(run.sse[0]?.headers.accept).toBe('text/event-stream');
    expect(run.sse[0]?.headers.authorization).toBe('Bearer sk_test');
    expect(run.polls).toHaveLength(0);
  });

  it('SSE: reconnects after a drop with Last-Event-ID and loses or repeats nothing', async () => {
    const run = await streamAll({ steps: 4, manual: true, dropSse: { events: 2, connections: 2 } });
    expect(run.states).toEqual(run.versions);
    expect(run.sse.map((request) => request.headers['last-event-id'] ?? null)).toEqual([null, '2', '4']);
    // One quick read (no long-poll) after each drop, to tell a drop from a finished job.
    expect(run.polls.map((request) => request.headers.prefer ?? null)).toEqual([null, null]);
  });

  it('falls back to long-polling when the events route is unavailable', async () => {
    const run = await streamAll({ steps: 2, sse: false });
    expect(run.statuses.at(-1)).toBe('succeeded');
    expect(new Set(run.statuses).size).toBe(run.statuses.length);
    expect(run.sse).toHaveLength(1);
    expect(run.polls.length).toBeGreaterThan(0);
    // The first read answers at once; each later one long-polls.
    expect(run.polls[0]?.headers.prefer).toBeUndefined();
    expect(run.polls.slice(1).every((request) => request.headers.prefer === 'wait=5')).toBe(true);
  });

  it('a resumed stream that the server ends at once (terminal already seen) ends after one read', async () => {
    server = await startJobServer({ steps: 1, tickMs: 5 });
    const spillway = new Spillway({ baseUrl: server.url, apiKey: 'sk_test' });
    const job = await spillway.wait((await spillway.submit({ prompt: 'x' })).id);
    const versions = server.jobs.get(job.id) ?? [];
    const states = [];
    for await (const state of spillway.stream(job.id, { lastEventId: String(versions.length) }))
      states.push(state);
    expect(states).toEqual([versions.at(-1)]);
    expect(server.requests.filter((request) => request.url.endsWith('/events'))).toHaveLength(1);
  });

  it('falls back to long-polling when SSE keeps dropping before any event', async () => {
    server = await startJobServer({ steps: 2, manual: true, dropSse: { events: 0, connections: 100 } });
    const jobServer = server;
    const spillway = new Spillway({
      baseUrl: server.url,
      apiKey: 'sk_test',
      retryBaseMs: 10,
      pollWaitSeconds: 5,
      maxRetries: 2,
    });
    const job = await spillway.submit({ prompt: 'x' });
    const collecting = (async () => {
      const states = [];
      for await (const state of spillway.stream(job.id)) states.push(state);
      return states;
    })();
    // The job stays queued until the client long-polls, so it cannot finish while SSE is still tried.
    await jobServer.waitForRequest((request) => request.headers.prefer === 'wait=5');
    for (let step = 0; step <= 2; step++) jobServer.advance(job.id);
    const statuses = (await collecting).map((state) => state.status);
    // Whether `queued` is seen depends on whether a dropped connection got its headers out first.
    expect(statuses.at(-1)).toBe('succeeded');
    expect(statuses.filter((status) => status !== 'queued')).toEqual(['succeeded']);
    expect(jobServer.requests.filter((request) => request.url.endsWith('/events'))).toHaveLength(3);
  });

  it('gives up a silent SSE connection after streamIdleTimeoutMs and reconnects', async () => {
    const streamIdleTimeoutMs = 400;
    const run = await streamAll({ steps: 5, manual: true, stallSse: 1 }, { streamIdleTimeoutMs });
    expect(run.states).toEqual(run.versions);
    // The job stands still until the client sees it, and the first connection sends nothing: only
    // giving that connection up can have produced the first state.
    expect(run.firstStateAfterMs).toBeGreaterThanOrEqual(streamIdleTimeoutMs - TIMER_GRANULARITY_MS);
    expect(run.sse[1]?.headers['last-event-id']).toBeUndefined();
    // More than two only if this host stalled one of the later connections past the idle limit.
    expect(run.sse.length).toBeGreaterThanOrEqual(2);
  });

  it('streaming: false polls only', async () => {
    const run = await streamAll({ steps: 2 }, { streaming: false });
    expect(run.statuses.at(-1)).toBe('succeeded');
    expect(run.sse).toHaveLength(0);
  });

  it('resumes from a saved lastEventId', async () => {
    server = await startJobServer({ steps: 2 });
    const spillway = new Spillway({ baseUrl: server.url, apiKey: 'sk_test' });
    const job = await spillway.submit({ prompt: 'x' });
    const states = [];
    for await (const state of spillway.stream(job.id, { lastEventId: '2' })) states.push(state);
    expect(states).toEqual(server.jobs.get(job.id)?.slice(2));
  });

  it('an abort ends the stream with the AbortError', async () => {
    server = await startJobServer({ steps: 2, manual: true });
    const spillway = new Spillway({ baseUrl: server.url, apiKey: 'sk_test' });
    const job = await spillway.submit({ prompt: 'x' });
    const controller = new AbortController();
    const seen: string[] = [];
    const consume = async () => {
      for await (const state of spillway.stream(job.id, { signal: controller.signal })) {
        seen.push(state.status);
        controller.abort();
      }
    };
    await expect(consume()).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['queued']);
  });
});
