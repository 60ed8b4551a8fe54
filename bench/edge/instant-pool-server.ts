import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHeartbeatSigner } from '../../gpu-node/security/heartbeat-signer.ts';
import { readSigningKey } from '../../gpu-node/security/key-material.ts';
import { HeartbeatClient } from '../../gpu-node/telemetry/heartbeat-client.ts';
import { type FromInstantPool, instantPoolId, type ToInstantPool } from './instant-pool-protocol.ts';
import {
  instantAnswer,
  instantLoadHeaders,
  instantOpenAiAnswer,
  instantTelemetry,
} from './instant-response.ts';

// The instant "pool": a child process (its own event loop, apart from the load generator) that
// speaks gpu-node's `/v1/generate` protocol with a fixed one-image answer, answers OpenAI's
// `/v1/images/generations` the same way (for the Portkey gateway the bench compares against),
// answers `/v2/health/live`, and pushes signed heartbeats to each edge the bench names over IPC.
// It does not verify dispatch tokens: the bench measures the edge, not the pool.

const send = (message: FromInstantPool) => process.send?.(message);
const answer = instantAnswer(instantPoolId);
const jsonHeaders = { 'content-type': 'application/json', ...instantLoadHeaders };
const heartbeats = new Map<string, HeartbeatClient>();

const server = createServer((request, response) => {
  readBody(request, (body) => route(request, response, body));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  send({ type: 'listening', url: `http://127.0.0.1:${port}` });
});

function route(request: IncomingMessage, response: ServerResponse, body: string): void {
  if (request.method === 'POST' && request.url === '/v1/generate') {
    const text = answer(jobIdOf(body));
    response.writeHead(200, { ...jsonHeaders, 'content-length': Buffer.byteLength(text) });
    response.end(text);
    return;
  }
  if (request.method === 'POST' && request.url === '/v1/images/generations') {
    response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(instantOpenAiAnswer),
    });
    response.end(instantOpenAiAnswer);
    return;
  }
  if (request.method === 'GET' && request.url === '/v2/health/live') {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"live":true}');
    return;
  }
  response.writeHead(404, { 'content-type': 'application/json' });
  response.end('{"error":{"type":"not_found","code":"not_found","message":"no such route","param":null}}');
}

function readBody(request: IncomingMessage, done: (body: string) => void): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => done(Buffer.concat(chunks).toString('utf8')));
}

function jobIdOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'job_id' in parsed &&
      typeof parsed.job_id === 'string'
    ) {
      return parsed.job_id;
    }
  } catch {
    // A body that is not JSON still gets the fixed answer; the bench only sends JSON.
  }
  return 'bench-job';
}

process.on('message', (message: ToInstantPool) => {
  handle(message).catch((error: unknown) => {
    process.stderr.write(`[instant-pool] ${error instanceof Error ? error.message : String(error)}\n`);
  });
});
// The bench owns this process: when it goes away (even killed), so does the pool.
process.on('disconnect', () => process.exit(0));

async function handle(message: ToInstantPool): Promise<void> {
  switch (message.type) {
    case 'start-heartbeats': {
      const key = await readSigningKey(message.keyPath);
      let failures = 0;
      const client = new HeartbeatClient({
        edgeUrl: new URL(message.edgeUrl),
        poolId: message.poolId,
        intervalMs: message.intervalMs,
        sign: createHeartbeatSigner(message.poolId, key, undefined),
        report: () => instantTelemetry(message.poolId),
        fetch: (input, init) => fetch(input, init),
        onError: (error) => {
          // One line per edge is enough to diagnose; an edge being stopped fails every push.
          if (failures++ === 0)
            process.stderr.write(`[instant-pool] heartbeat to ${message.edgeUrl}: ${error}\n`);
        },
      });
      await heartbeats.get(message.edgeUrl)?.stop();
      heartbeats.set(message.edgeUrl, client);
      client.start();
      send({ type: 'heartbeats-started', edgeUrl: message.edgeUrl });
      return;
    }
    case 'stop-heartbeats': {
      const client = heartbeats.get(message.edgeUrl);
      heartbeats.delete(message.edgeUrl);
      // No final push: the edge is about to stop.
      if (client) await client.stop().catch(() => undefined);
      send({ type: 'heartbeats-stopped', edgeUrl: message.edgeUrl });
      return;
    }
  }
}
