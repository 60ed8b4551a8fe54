import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FIRST_IMAGE_MAX_ATTEMPTS, firstImage } from './first-image.ts';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** An edge stand-in answering the scripted statuses in order (then 200), recording each request. */
async function scriptedEdge(replies: ReadonlyArray<{ status: number; retryAfter?: string }>) {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url} ${request.headers.authorization}`);
    const reply = replies[seen.length - 1] ?? { status: 200 };
    response.writeHead(
      reply.status,
      reply.retryAfter === undefined ? {} : { 'retry-after': reply.retryAfter },
    );
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as AddressInfo;
  return { stack: { edgeUrl: `http://127.0.0.1:${port}`, apiKey: 'sk_test' }, seen };
}

describe('first image of npm start', () => {
  it('waits out a 503 with Retry-After (a fleet snapshot that predates the pools’ reports)', async () => {
    const { stack, seen } = await scriptedEdge([{ status: 503, retryAfter: '0' }]);
    const { response } = await firstImage(stack, { prompt: 'x' });
    expect(response.status).toBe(200);
    expect(seen).toEqual([
      'POST /v1/images/generations Bearer sk_test',
      'POST /v1/images/generations Bearer sk_test',
    ]);
  });

  it('shows any other answer as it is, and gives up after a few 503s', async () => {
    const refused = await scriptedEdge([{ status: 503 }]);
    expect((await firstImage(refused.stack, {})).response.status).toBe(503);
    expect(refused.seen).toHaveLength(1);
    const busy = await scriptedEdge(Array.from({ length: 10 }, () => ({ status: 503, retryAfter: '0' })));
    expect((await firstImage(busy.stack, {})).response.status).toBe(503);
    expect(busy.seen).toHaveLength(FIRST_IMAGE_MAX_ATTEMPTS);
  });
});
