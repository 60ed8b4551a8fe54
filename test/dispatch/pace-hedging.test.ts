import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import type { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import { startFakeEngine, startTestPool, type TestPool } from '../../gpu-node/testing/test-pool.ts';
import {
  type AttemptRecord,
  type DispatchCandidate,
  type DispatchOptions,
  dispatchWithFailover,
} from '../../worker/dispatch/index.ts';
import type { RunningPace } from '../../worker/routing/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';
import { poolCandidate } from './held-pools.ts';

// `slowing` speaks gpu-node's event stream: it starts the job at once and reports its steps, each
// `gapsMs[k]` apart on the test's clock (the dispatcher's `now`), which moves only as the pool
// writes a step: the request's pace is exactly what the plan says, whatever the host's speed.
// `ready` is a real pool whose engine runs freely. The clock's own hedge would come only after
// 200 s of the test's clock (a prediction of 100 s), which no test here reaches.
const STEPS = 30;
let clockMs = 0;
let plan: readonly number[] = [];
/** Steps the dispatcher has seen in the current test. */
let seen: number[] = [];
let slowing: Server;
let slowingUrl = '';
let ready: TestPool<FakeBatchEngine>;

function stepOnPlan(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  response.write('event: queued\ndata: {"position":0,"batch_megapixels":0.004}\n\n');
  let step = 0;
  const timer = setInterval(() => {
    // One step at a time: the next only once the dispatcher has taken the last in, on its clock.
    if (seen.length < step) return;
    const gapMs = plan[step];
    if (gapMs === undefined) return clearInterval(timer);
    step++;
    clockMs += gapMs;
    response.write(`event: progress\ndata: {"step":${step},"steps":${STEPS}}\n\n`);
  }, 15);
  response.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  ready = await startTestPool(startFakeEngine, { workers: 1, maxBatchSize: 4 });
  ready.engine.runFreely();
  slowing = createServer((request, response) => {
    if (request.method === 'POST') stepOnPlan(response);
    else response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => slowing.listen(0, '127.0.0.1', resolve));
  slowingUrl = `http://127.0.0.1:${(slowing.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await ready?.stop();
  slowing?.closeAllConnections();
  await new Promise((resolve) => slowing?.close(resolve));
});

const backend = createGpuNodeBackend();
const slowingCandidate = (): DispatchCandidate => ({
  poolId: 'slowing',
  providerId: 'provider-slowing',
  url: slowingUrl,
  protocol: 'gpu-node',
  predictedMs: 100_000,
});

function dispatch(hedgeTo: (candidate: DispatchCandidate, pace: RunningPace) => DispatchCandidate[] | null) {
  clockMs = 0;
  const attempts: AttemptRecord[] = [];
  const steps: number[] = [];
  seen = steps;
  const controller = new AbortController();
  const options: DispatchOptions = {
    candidates: [slowingCandidate()],
    request: quickRequest,
    jobId: `pace-${crypto.randomUUID()}`,
    deadlineAt: 600_000,
    backendFor: () => backend,
    tokenFor: async () => 'unused',
    now: () => clockMs,
    signal: controller.signal,
    onAttempt: (attempt) => attempts.push(attempt),
    onProgress: (progress) => {
      if (progress.kind === 'progress') steps.push(progress.step);
    },
    hedge: { afterMs: (candidate) => 2 * (candidate.predictedMs ?? 0), allow: () => true },
    ack: { hedgeTo },
  };
  // The dispatcher's deadline is on the real clock; the test's clock only orders its steps.
  return {
    outcome: dispatchWithFailover({ ...options, deadlineAt: Number.MAX_SAFE_INTEGER }),
    attempts,
    steps,
    controller,
  };
}

describe('pace hedge (a running call judged by its own steps)', () => {
  it('pace hedge: a call whose steps slow tenfold gets its copy on the fresh pick at once, long before the clock', async () => {
    // Two quick steps, then a batch joins: 10 s a step, 27 steps left, 270 s by its pace.
    plan = [100, 100, 10_000, 10_000, 10_000, 10_000];
    const asked: RunningPace[] = [];
    const { outcome, attempts } = dispatch((_from, pace) => {
      asked.push(pace);
      return [poolCandidate(ready, 'ready')];
    });
    const result = await outcome;
    expect(result.ok && result.poolId).toBe('ready');
    // Asked at the second slow step (one slow interval is not yet a pace): exact on this clock.
    expect(asked[0]).toEqual({ elapsedMs: 20_200, projectedRemainingMs: 26 * 10_000, predictedMs: 100_000 });
    expect(attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['ready', 'ok'],
      ['slowing', 'hedge_lost'],
    ]);
  });

  it('pace hedge: no copy while the pace keeps the call on time, nor where the fresh pick is not worth it', async () => {
    plan = Array.from({ length: 12 }, () => 100);
    let asked = 0;
    const onTime = dispatch(() => {
      asked++;
      return [poolCandidate(ready, 'ready')];
    });
    expect(await poolsCalledBy(onTime, 12)).toEqual(['slowing']);
    expect(asked).toBe(0);

    plan = [100, 100, 10_000, 10_000, 10_000, 10_000];
    const notWorth = dispatch(() => {
      asked++;
      return null;
    });
    expect(await poolsCalledBy(notWorth, 6)).toEqual(['slowing']);
    // Asked at each slow step from the second, never copied.
    expect(asked).toBe(3);
  });
});

describe('pace hedge on a noisy pace', () => {
  it('pace hedge: one slow interval (a batch shape run for the first time on the pool) is not the pace: no copy', async () => {
    // A fresh pool's first four 1024 px images: 1.5 s between the first two steps, then 0.2-0.3 s.
    plan = [100, 10_000, ...Array.from({ length: 10 }, () => 100)];
    let asked = 0;
    const warming = dispatch(() => {
      asked++;
      return [poolCandidate(ready, 'ready')];
    });
    expect(await poolsCalledBy(warming, 12)).toEqual(['slowing']);
    expect(asked).toBe(0);
  });
});

/** Lets a dispatch run until the dispatcher has seen `count` steps, then hangs up: the pools it called. */
async function poolsCalledBy(run: ReturnType<typeof dispatch>, count: number): Promise<string[]> {
  await until(() => run.steps.length === count);
  run.controller.abort();
  await run.outcome;
  return run.attempts.map((attempt) => attempt.poolId);
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
