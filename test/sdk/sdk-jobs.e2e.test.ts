import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { type JobResource, Spillway, SpillwayError, verifyWebhook } from '../../sdk/index.ts';
import { jobResourceSchema } from '../../shared/index.ts';
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
  it('submit + stream(): SSE states in lifecycle order, ending succeeded with a signed PNG URL', async () => {
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
    const order = ['queued', 'running', 'succeeded'];
    const ranks = states.map((state) => order.indexOf(state.status));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(states.at(-1)?.status).toBe('succeeded');
    expect(states.filter((state) => state.status === 'succeeded')).toHaveLength(1);
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

  it('stream() with streaming off long-polls the real server to the end', async () => {
    const polling = new Spillway({
      baseUrl: stack.edgeUrl,
      apiKey: stack.apiKey,
      pollWaitSeconds: 5,
      streaming: false,
    });
    const job = await polling.submit(quick);
    const states = await collect(polling.stream(job.id));
    expect(states.at(-1)?.status).toBe('succeeded');
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

  it('cancel(): a long job ends canceled and its stream stops there', async () => {
    const job = await client.submit({ ...quick, steps: 100, n: 4 });
    const canceled = await client.cancel(job.id);
    expect(jobResourceSchema.parse(canceled).status).toBe('canceled');
    const states = await collect(client.stream(job.id));
    expect(states.at(-1)?.status).toBe('canceled');
    expect((await client.get(job.id)).status).toBe('canceled');
  });

  it('get(): an unknown job is a typed 404 job_not_found', async () => {
    await expect(client.get('job_aaaaaaaaaaaaaaaaaaaaaaaaaa')).rejects.toMatchObject({
      status: 404,
      code: 'job_not_found',
      type: 'not_found_error',
    });
  });

  it('webhook: the delivery the Worker signs verifies with the SDK and the tenant secret', async () => {
    const deliveries: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
    const receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        deliveries.push({ headers: request.headers, body });
        response.writeHead(204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    try {
      const { port } = receiver.address() as AddressInfo;
      const job = await client.submit({ ...quick, webhook: `http://127.0.0.1:${port}/hook` });
      await client.wait(job.id);
      await expect.poll(() => deliveries.length, { timeout: 20_000 }).toBeGreaterThan(0);
      const secret = await client.webhookSecret();
      const [delivery] = deliveries;
      if (!delivery) throw new Error('no delivery');
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
