import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { request } from 'undici';
import { freePort } from './free-port.ts';
import { stopChild } from './instant-pool.ts';
import type { LoadTarget } from './load.ts';
import { benchGenerationBody } from './spillway-setup.ts';

/** The Portkey gateway running in its own Node process. */
export interface PortkeyGateway {
  readonly url: string;
  readonly pid: number;
  /** Node version the gateway runs on (the bench's own executable). */
  readonly node: string;
  stop(): Promise<void>;
}

/** How long the gateway may take to answer its first request (it shows a 1 s spinner first). */
const START_TIMEOUT_MS = 20_000;
const START_POLL_MS = 100;

/** The gateway's own server entry (`npx @portkey-ai/gateway` runs the same file). */
function startServerPath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@portkey-ai/gateway/package.json')), 'build', 'start-server.js');
}

/**
 * Starts `@portkey-ai/gateway` with its defaults (`--headless`: no log UI) on a free port, with
 * this process's Node (under `npm run`, the project's Node 22), stdout discarded, and waits until
 * it answers.
 */
export async function startPortkeyGateway(): Promise<PortkeyGateway> {
  const port = await freePort();
  const child = spawn(process.execPath, [startServerPath(), `--port=${port}`, '--headless'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = `${stderr}${chunk.toString('utf8')}`.slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`portkey exited with ${child.exitCode}: ${stderr}`);
    const answered = await request(`${url}/`).then(
      async (response) => {
        await response.body.text();
        return response.statusCode === 200;
      },
      () => false,
    );
    if (answered) {
      return { url, pid: child.pid ?? 0, node: process.version, stop: () => stopChild(child) };
    }
    await new Promise((resolve) => setTimeout(resolve, START_POLL_MS));
  }
  await stopChild(child);
  throw new Error(`portkey did not answer within ${START_TIMEOUT_MS} ms: ${stderr}`);
}

/**
 * `POST {gateway}/v1/images/generations` routed by Portkey's `openai` provider to the instant
 * upstream (`x-portkey-custom-host`), with the same body Spillway's requests carry: Portkey
 * forwards the OpenAI fields and the upstream answers one image, as it does Spillway.
 */
export function portkeyTarget(
  name: string,
  gatewayUrl: string,
  upstreamUrl: string,
  cpuRoot?: number,
): LoadTarget {
  return {
    ...(cpuRoot ? { cpuRoot } : {}),
    name,
    url: `${gatewayUrl}/v1/images/generations`,
    headers: {
      authorization: 'Bearer sk-bench-upstream',
      'content-type': 'application/json',
      'x-portkey-provider': 'openai',
      'x-portkey-custom-host': `${upstreamUrl}/v1`,
    },
    body: benchGenerationBody,
  };
}
