import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { type JobResource, Spillway, SpillwayError, verifyWebhook } from '../../sdk/index.ts';
import { isTerminalJobStatus, jobResourceSchema } from '../../shared/index.ts';
import { startTestStack, waitForTelemetry } from '../edge/edge-stack.ts';

let stack: LocalStack;
let client: Spillway;
beforeAll(async () => {
  stack = await startTestStack();
  await waitForTelemetry(stack);
  client = new Spillway({ baseUrl: stack.edgeUrl, apiKey: stack.apiKey, pollWaitSeconds: 5 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const quick = { prompt: 'sdk job', size: '64x64', steps: 4 } as const;

async function collect(states: AsyncIterable<JobResource>): Promise<JobResource[]> {
  const seen: JobResource[] = [];
  for await (const state of states) seen.push(jobResourceSchema.parse(state));
  return seen;
}

describe('sdk jobs against the real stack (Worker jobs API in workerd + gpu-node pools)', () => {
  it('submit + stream(): SSE states newest-last, one terminal state (succeeded, with a signed PNG URL)', async () => {
    const calls: string[] = [];
    const recording = new Spillway({
      baseUrl: stack.edgeUrl,
      apiKey: stack.apiKey,
      fetch: (input, init) => {
        calls.push(`${init?.method} ${new URL(String(input)).pathname}`);
        return fetch(input, init);
      },
    });
    const job = await recording.submit(quick);
    expect(jobResourceSchema.parse(job).status).toBe('queued');
    const states = await collect(recording.stream(job.id));
    // One SSE connection carried every state: no fallback to polling.
    expect(calls).toEqual(['POST /v1/jobs', `GET /v1/jobs/${job.id}/events`]);
    // A job may go back to `queued` (an attempt retried, or its claim lapsed on a busy host), so the
    // order checked is the one the contract promises: newer versions only, one terminal state, last.
    const updates = states.map((state) => state.updated_at);
    expect(updates).toEqual([...updates].sort((a, b) => a - b));
    expect(states.slice(0, -1).filter((state) => isTerminalJobStatus(state.status))).toEqual([]);
    expect(states.at(-1)?.status).toBe('succeeded');
    const url = states.at(-1)?.result?.data[0]?.url ?? '';
    const image = await fetch(new URL(url, stack.edgeUrl));
    expect(image.headers.get('content-type')).toBe('image/png');
    const png = PNG.sync.read(Buffer.from(await image.arrayBuffer()));
    expect([png.width, png.height]).toEqual([64, 64]);
  });

  it('wait(): long-polls to the terminal state, which get() then reads back unchanged in status', async () => {
    const job = await client.submit({ ...quick, n: 2 });
    const done = await client.wait(job.id);
    expect(jobResourceSchema.parse(done).status).toBe('succeeded');
    expect(done.result?.data).toHaveLength(2);
    expect((await client.get(job.id)).status).toBe('succeeded');
  });

  it('stream() with streaming off long-polls for each change (If-None-Match), not only for the end', async () => {
    const polls: Array<{ sent: string | null; got: string | null; status: number }> = [];
    const polling = new Spillway({
      baseUrl: stack.edgeUrl,
      apiKey: stack.apiKey,
      pollWaitSeconds: 5,
      streaming: false,
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        if (init?.method === 'GET') {
          const sent = new Headers(init.headers).get('if-none-match');
          polls.push({ sent, got: response.headers.get('etag'), status: response.status });
        }
        return response;
      },
    });
    const job = await polling.submit(quick);
    const states = await collect(polling.stream(job.id));
    expect(states.at(-1)?.status).toBe('succeeded');
    // The first read names no state; each later one names the state the one before returned.
    expect(polls[0]?.sent).toBeNull();
    for (const [index, poll] of polls.entries()) {
      if (index > 0) expect(poll.sent).toBe(polls[index - 1]?.got);
      expect([200, 304]).toContain(poll.status);
    }
    // Every state the polls returned was yielded, in version order.
    const versions = polls
      .filter((poll) => poll.status === 200)
      .map((poll) => Number(poll.got?.slice(1, -1)));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(states).toHaveLength(new Set(versions).size);
  });

  it('submit(): one idempotency key gives one job; reusing it for another body is a typed 422', async () => {
    const idempotencyKey = `sdk-${Date.now()}`;
    const [first, second] = await Promise.all([
      client.submit(quick, { idempotencyKey }),
      client.submit(quick, { idempotencyKey }),
    ]);
    expect(second.id).toBe(first.id);
    const error = await client
      .submit({ ...quick, prompt: 'something else' }, { idempotencyKey })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SpillwayError);
    expect(error).toMatchObject({
      status: 422,
      code: 'idempotency_key_mismatch',
      type: 'invalid_request_error',
    });
    await client.wait(first.id);
  });

  it('cancel(): a job that cannot start yet ends canceled and its stream stops there', async () => {
    // With every pool draining the job waits for capacity, however fast this host would have run it.
    const admin = adminClient(stack.edgeUrl, stack.operatorToken);
    for (const pool of stack.pools) await admin.drain(pool.id);
    try {
      const job = await client.submit(quick);
      const canceled = await client.cancel(job.id);
      expect(jobResourceSchema.parse(canceled).status).toBe('canceled');
      const states = await collect(client.stream(job.id));
      expect(states.at(-1)?.status).toBe('canceled');
      expect((await client.get(job.id)).status).toBe('canceled');
    } finally {
      for (const pool of stack.pools) await admin.undrain(pool.id);
    }
  });

  it('get(): an unknown job is a typed 404 job_not_found', async () => {
    await expect(client.get('job_aaaaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toMatchObject({
      status: 404,
      code: 'job_not_found',
      type: 'not_found_error',
    });
  });

  it('webhook: the delivery the Worker signs verifies with the SDK and the tenant secret', async () => {
    let delivered: (delivery: { headers: IncomingHttpHeaders; body: string }) => void = () => undefined;
    const firstDelivery = new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve) => {
      delivered = resolve;
    });
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        delivered({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    try {
      const { port } = receiver.address() as AddressInfo;
      const job = await client.submit({ ...quick, webhook: `http://127.0.0.1:${port}/hook` });
      await client.wait(job.id);
      // The delivery itself, however long the queue takes on this host.
      const delivery = await firstDelivery;
      const secret = await client.webhookSecret();
      const verified = await verifyWebhook({ secret, headers: delivery.headers, body: delivery.body });
      expect(jobResourceSchema.parse(verified)).toMatchObject({ id: job.id, status: 'succeeded' });
      await expect(
        verifyWebhook({
          secret,
          headers: delivery.headers,
          body: delivery.body.replace('succeeded', 'failed'),
        }),
      ).rejects.toMatchObject({ code: 'invalid_webhook' });
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });
});
