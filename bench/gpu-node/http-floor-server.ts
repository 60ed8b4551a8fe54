import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { GenerationResponse } from '../../shared/index.ts';

// A child process: the least an HTTP/1.1 server in Node can do for one generate call. It reads
// a JSON body, waits `delay_ms` (as if computing), and answers with a generation response of
// `bytes` random bytes as b64_json. No framework, worker thread or validation beyond the body.
// Run with `node bench/gpu-node/http-floor-server.ts`; it prints its URL as the first line.

const floorRequestSchema = z.object({
  delay_ms: z.number().min(0).max(60_000),
  bytes: z.number().int().min(0).max(16_000_000),
});

const server = createServer((incoming, outgoing) => {
  const chunks: Buffer[] = [];
  incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
  incoming.on('end', () => {
    const parsed = floorRequestSchema.safeParse(parseJson(Buffer.concat(chunks).toString('utf8')));
    if (!parsed.success) {
      outgoing.writeHead(400).end();
      return;
    }
    // Bodies are built once per size, so after the wait only the write is left: a floor.
    const { head, tail } = bodyAround(parsed.data.bytes);
    const started = performance.now();
    setTimeout(() => {
      const body = Buffer.concat([head, Buffer.from(String(performance.now() - started)), tail]);
      outgoing.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
      outgoing.end(body);
    }, parsed.data.delay_ms);
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`http://127.0.0.1:${port}\n`);
});

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const bodies = new Map<number, { head: Buffer; tail: Buffer }>();

/** A generation response of `bytes` random bytes, split where its `compute_ms` value goes. */
function bodyAround(bytes: number): { head: Buffer; tail: Buffer } {
  const built = bodies.get(bytes);
  if (built) return built;
  const marker = 123456789;
  const response: GenerationResponse = {
    created: Math.floor(Date.now() / 1000),
    data: [{ b64_json: randomBytes(bytes).toString('base64'), seed: 0 }],
    spillway: {
      job_id: 'floor',
      pool_id: 'floor',
      model: 'none',
      size: '0x0',
      steps: 0,
      execution_provider: 'cpu',
      queue_ms: 0,
      compute_ms: marker,
      warnings: [],
    },
  };
  const [head = '', tail = ''] = JSON.stringify(response).split(String(marker));
  const parts = { head: Buffer.from(head), tail: Buffer.from(tail) };
  bodies.set(bytes, parts);
  return parts;
}

process.on('SIGTERM', () => server.close(() => process.exit(0)));
