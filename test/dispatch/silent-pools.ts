import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import { type DispatchOptions, dispatchWithFailover } from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';

// Pools that go silent, for the hedging and stall tests: one accepts every call and never answers
// (issue 4's stall, or a frozen process whose kernel still accepts the connection); the other
// speaks gpu-node's event stream, reports steps `stepMs` apart for `stepsBeforeStall` steps, then
// goes quiet with the connection open (stalled mid-job).

/** A local HTTP server a test can close. */
export interface SilentPool {
  readonly url: string;
  close(): Promise<void>;
}

/** A pool that accepts every call and never answers; `calls` lists what it was asked. */
export interface StalledPool extends SilentPool {
  readonly calls: Array<{ method: string; path: string }>;
}

/** How a quiet pool streams before it goes silent; tests change it between calls. */
export interface QuietPlan {
  stepMs: number;
  stepsBeforeStall: number;
  steps: number;
}

async function listen(server: Server): Promise<SilentPool> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((closed) => server.close(closed));
    },
  };
}

/** Starts a pool that records every call and never answers one. */
export async function startStalledPool(): Promise<StalledPool> {
  const calls: Array<{ method: string; path: string }> = [];
  const server = createServer((request: IncomingMessage) => {
    calls.push({ method: request.method ?? '', path: request.url ?? '' });
  });
  return { ...(await listen(server)), calls };
}

function streamThenStall(response: ServerResponse, plan: QuietPlan): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  response.write('event: queued\ndata: {"position":0}\n\n');
  let step = 0;
  const timer = setInterval(() => {
    step++;
    response.write(`event: progress\ndata: {"step":${step},"steps":${plan.steps}}\n\n`);
    if (step >= plan.stepsBeforeStall) clearInterval(timer);
  }, plan.stepMs);
  response.on('close', () => clearInterval(timer));
}

/** Starts a pool that streams each POST's first steps as `plan` says at the time, then goes quiet. */
export function startQuietPool(plan: QuietPlan): Promise<SilentPool> {
  return listen(
    createServer((request, response) => {
      if (request.method === 'POST') streamThenStall(response, plan);
      else response.writeHead(204).end();
    }),
  );
}

/** The stalled pool as routing would hand it to the dispatcher. */
export const stuck = {
  poolId: 'stuck',
  providerId: 'provider-stuck',
  url: '',
  protocol: 'gpu-node',
  predictedMs: 100,
};
/** The healthy pool as routing would hand it to the dispatcher. */
export const h1 = {
  poolId: 'h1',
  providerId: 'provider-h1',
  url: '',
  protocol: 'gpu-node',
  predictedMs: 100,
};

/** A real gpu-node pool (`h1`) beside a stalled and a quiet one, with dispatch tokens for each. */
export interface SilentFleet {
  readonly healthy: GpuNodeProcess;
  readonly stalled: StalledPool;
  readonly quiet: SilentPool;
  /** Dispatches `quickRequest` to the stalled pool first, then `h1`, unless `overrides` say otherwise. */
  dispatch(overrides: Partial<DispatchOptions>): ReturnType<typeof dispatchWithFailover>;
  close(): Promise<void>;
}

/** Starts the three pools; the quiet one streams as `quietPlan` says at each call. */
export async function startSilentFleet(quietPlan: QuietPlan): Promise<SilentFleet> {
  const edgeKey = writeKeyPair('ed25519', 'edge');
  const healthy = await startGpuNode(['--pool-id', 'h1', '--edge-public-key', edgeKey.publicPath]);
  const stalled = await startStalledPool();
  const quiet = await startQuietPool(quietPlan);
  const tokens = new Map<string, string>();
  for (const poolId of ['h1', 'stuck', 'quiet']) {
    tokens.set(poolId, await dispatchToken(edgeKey.privateKey, { audience: poolId }));
  }
  const backend = createGpuNodeBackend();
  return {
    healthy,
    stalled,
    quiet,
    dispatch: (overrides) =>
      dispatchWithFailover({
        candidates: [
          { ...stuck, url: stalled.url },
          { ...h1, url: healthy.url },
        ],
        request: quickRequest,
        jobId: `hedge-${crypto.randomUUID()}`,
        deadlineAt: Date.now() + 20_000,
        backendFor: () => backend,
        tokenFor: async (poolId) => tokens.get(poolId) ?? '',
        now: () => Date.now(),
        ...overrides,
      }),
    close: async () => {
      await stalled.close();
      await quiet.close();
      await healthy.kill();
    },
  };
}

/**
 * Starts the silent fleet before the file's tests and closes it after them; the getter returns it
 * once started. The quiet pool streams as `quietPlan` says at each call.
 */
export function silentFleetForTests(
  quietPlan: QuietPlan = { stepMs: 20, stepsBeforeStall: 3, steps: 30 },
): () => SilentFleet {
  let fleet: SilentFleet | undefined;
  beforeAll(async () => {
    fleet = await startSilentFleet(quietPlan);
  });
  afterAll(async () => {
    await fleet?.close();
  });
  return () => {
    if (fleet === undefined) throw new Error('the silent fleet starts in beforeAll');
    return fleet;
  };
}
