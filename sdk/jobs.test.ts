import { afterEach, describe, expect, it } from 'vitest';
import { jobResourceSchema } from '../shared/index.ts';
import { Spillway, SpillwayError } from './index.ts';
import { type JobServer, type JobServerOptions, startJobServer } from './testing/job-protocol-server.ts';
import { replyError, replyJson, startProtocolServer } from './testing/protocol-server.ts';

let server: JobServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function jobs(options: JobServerOptions = {}) {
  server = await startJobServer(options);
  const client = new Spillway({
    baseUrl: server.url,
    apiKey: 'sk_test',
    pollWaitSeconds: 5,
    retryBaseMs: 10,
  });
  return { server, client };
}

describe('jobs', () => {
  it('submit: posts the request with an Idempotency-Key and returns the queued job', async () => {
    const { server, client } = await jobs();
    const job = await client.submit(
      { prompt: 'a lighthouse', size: '64x64' },
      { idempotencyKey: 'draft-42' },
    );
    expect(jobResourceSchema.parse(job).status).toBe('queued');
    const request = server.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/v1/jobs');
    expect(request?.headers['idempotency-key']).toBe('draft-42');
    expect(JSON.parse(request?.body ?? '')).toEqual({ prompt: 'a lighthouse', size: '64x64' });
    // Same key and body: the same job; another body: 422 idempotency_key_mismatch, not retried.
    expect(
      (await client.submit({ prompt: 'a lighthouse', size: '64x64' }, { idempotencyKey: 'draft-42' })).id,
    ).toBe(job.id);
    await expect(client.submit({ prompt: 'other' }, { idempotencyKey: 'draft-42' })).rejects.toMatchObject({
      status: 422,
      code: 'idempotency_key_mismatch',
    });
    expect(server.requests).toHaveLength(3);
  });

  it('submit: a 503 then success reuses the generated key, so the server sees one job', async () => {
    let first = true;
    const flaky = await startProtocolServer((request, response) => {
      if (first) {
        first = false;
        return replyError(response, 503, 'no_capacity', { 'retry-after': '0' });
      }
      replyJson(response, 202, { key: request.headers['idempotency-key'] });
    });
    const client = new Spillway({ baseUrl: flaky.url, apiKey: 'sk_test' });
    await expect(client.submit({ prompt: 'x' })).rejects.toMatchObject({ code: 'invalid_response' });
    const keys = flaky.requests.map((request) => request.headers['idempotency-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    await flaky.close();
  });

  it('wait: long-polls with Prefer: wait=N until the job succeeds', async () => {
    const { server, client } = await jobs({ steps: 3 });
    const job = await client.submit({ prompt: 'x' });
    const done = await client.wait(job.id);
    expect(done.status).toBe('succeeded');
    expect(done.result?.data[0]?.b64_json).toBe('iVBORw0KGgo=');
    const polls = server.requests.filter((request) => request.method === 'GET');
    expect(polls.length).toBeGreaterThan(0);
    // The first read answers at once; each later one long-polls.
    expect(polls[0]?.headers.prefer).toBeUndefined();
    expect(polls.slice(1).every((request) => request.headers.prefer === 'wait=5')).toBe(true);
    expect(polls.every((request) => request.url === `/v1/jobs/${job.id}`)).toBe(true);
  });

  it('cancel: returns the canceled job and a stream of it ends there', async () => {
    const { client } = await jobs({ manual: true });
    const job = await client.submit({ prompt: 'x' });
    const canceled = await client.cancel(job.id);
    expect(canceled.status).toBe('canceled');
    const states = [];
    for await (const state of client.stream(job.id)) states.push(state.status);
    expect(states.at(-1)).toBe('canceled');
    expect(states.filter((status) => status === 'canceled')).toHaveLength(1);
  });

  it('get: an unknown job is a typed 404 with the request id', async () => {
    const { client } = await jobs();
    const error = await client.get('job_missingmissingmissing').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpillwayError);
    expect(error).toMatchObject({
      status: 404,
      code: 'job_not_found',
      type: 'not_found_error',
      requestId: 'req_test',
    });
  });

  it('uses the injected fetch, and undefined options fall back to defaults', async () => {
    const { client: _unused, server } = await jobs();
    const seen: string[] = [];
    const client = new Spillway({
      baseUrl: `${server.url}/`,
      apiKey: 'sk_test',
      maxRetries: undefined,
      fetch: (input, init) => {
        seen.push(`${init?.method} ${String(input)}`);
        return fetch(input, init);
      },
    });
    const job = await client.submit({ prompt: 'x' });
    await client.cancel(job.id);
    expect(seen).toEqual([`POST ${server.url}/v1/jobs`, `DELETE ${server.url}/v1/jobs/${job.id}`]);
  });
});
