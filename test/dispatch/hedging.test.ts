import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGpuNodeBackend } from '../../backends/index.ts';
import { type DispatchOptions, dispatchWithFailover } from '../../worker/dispatch/index.ts';
import { quickRequest } from '../backends/backend-test-pools.ts';
import { type GpuNodeProcess, startGpuNode } from '../support/gpu-node-process.ts';
import { dispatchToken, writeKeyPair } from '../support/keys.ts';

// A real pool, and a stalled one: it accepts every call and never answers (issue 4's stall).
// A third speaks gpu-node's event stream: it queues the job, reports steps `stepMs` apart for
// `stepsBeforeStall` steps, then goes quiet with the connection open (stalled mid-job).
const edgeKey = writeKeyPair('ed25519', 'edge');
let healthy: GpuNodeProcess;
let stalled: Server;
let stalledUrl = '';
const stalledCalls: Array<{ method: string; path: string }> = [];
const tokens = new Map<string, string>();
let quiet: Server;
let quietUrl = '';
const quietPlan = { stepMs: 20, stepsBeforeStall: 3, steps: 30 };

function streamThenStall(response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  response.write('event: queued\ndata: {"position":0}\n\n');
  let step = 0;
  const timer = setInterval(() => {
    step++;
    response.write(`event: progress\ndata: {"step":${step},"steps":${quietPlan.steps}}\n\n`);
    if (step >= quietPlan.stepsBeforeStall) clearInterval(timer);
  }, quietPlan.stepMs);
  response.on('close', () => clearInterval(timer));
}

beforeAll(async () => {
  healthy = await startGpuNode(['--pool-id', 'h1', '--edge-public-key', edgeKey.publicPath]);
  stalled = createServer((request: IncomingMessage) => {
    stalledCalls.push({ method: request.method ?? '', path: request.url ?? '' });
  });
  await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
  const address = stalled.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  stalledUrl = `http://127.0.0.1:${address.port}`;
  quiet = createServer((request, response) => {
    if (request.method === 'POST') streamThenStall(response);
    else response.writeHead(204).end();
  });
  await new Promise<void>((resolve) => quiet.listen(0, '127.0.0.1', resolve));
  const quietAddress = quiet.address();
  if (quietAddress === null || typeof quietAddress === 'string') throw new Error('no port');
  quietUrl = `http://127.0.0.1:${quietAddress.port}`;
  for (const poolId of ['h1', 'stuck', 'quiet']) {
    tokens.set(poolId, await dispatchToken(edgeKey.privateKey, { audience: poolId }));
  }
});
afterAll(async () => {
  stalled?.closeAllConnections();
  await new Promise((closed) => stalled?.close(closed));
  quiet?.closeAllConnections();
  await new Promise((closed) => quiet?.close(closed));
  await healthy?.kill();
});

const backend = createGpuNodeBackend();
const stuck = {
  poolId: 'stuck',
  providerId: 'provider-stuck',
  url: '',
  protocol: 'gpu-node',
  predictedMs: 100,
};
const h1 = { poolId: 'h1', providerId: 'provider-h1', url: '', protocol: 'gpu-node', predictedMs: 100 };

function dispatch(overrides: Partial<DispatchOptions>) {
  return dispatchWithFailover({
    candidates: [
      { ...stuck, url: stalledUrl },
      { ...h1, url: healthy.url },
    ],
    request: quickRequest,
    jobId: `hedge-${crypto.randomUUID()}`,
    deadlineAt: Date.now() + 20_000,
    backendFor: () => backend,
    tokenFor: async (poolId) => tokens.get(poolId) ?? '',
    now: () => Date.now(),
    ...overrides,
  });
}

describe('dispatch with hedging', () => {
  it('hedging: a call that runs late gets a copy on the next pool; the copy answers and the stalled call is dropped', async () => {
    const before = stalledCalls.length;
    const startedAt = Date.now();
    const outcome = await dispatch({ hedge: { afterMs: () => 300, allow: () => true } });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'hedge_lost'],
    ]);
    // The copy is marked, so the request's log line and stats count it as hedged.
    expect(outcome.attempts.map((attempt) => attempt.hedge === true)).toEqual([true, false]);
    expect(Date.now() - startedAt).toBeLessThan(15_000);
    expect(stalledCalls[before]?.method).toBe('POST');
    // The stalled pool is asked to cancel the job, so it stops computing for nobody.
    await expect.poll(() => stalledCalls.slice(before).map((call) => call.method)).toContain('DELETE');
  });

  it('hedging: with the hedge budget spent, the call waits for the stalled pool until the deadline', async () => {
    const outcome = await dispatch({
      hedge: { afterMs: () => 100, allow: () => false },
      deadlineAt: Date.now() + 1_500,
    });
    expect(outcome.ok).toBe(false);
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['stuck', 'timed_out'],
    ]);
  });

  it('hedging: a call that answers in time is never hedged', async () => {
    let asked = 0;
    const outcome = await dispatch({
      candidates: [
        { ...h1, url: healthy.url },
        { ...stuck, url: stalledUrl },
      ],
      hedge: {
        afterMs: () => 10_000,
        allow: () => {
          asked++;
          return true;
        },
      },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts).toHaveLength(1);
    expect(asked).toBe(0);
  });
});

describe('dispatch with hedging: where the copy goes', () => {
  // The first ranking's second pool has stalled too since: only a pick taken now knows better.
  const candidates = () => [
    { ...stuck, url: stalledUrl },
    { ...stuck, poolId: 'quiet', url: stalledUrl },
  ];

  it('hedging: a call late by the clock gets its copy on a fresh pick without its pool (ack.copyTo)', async () => {
    const asked: string[] = [];
    const outcome = await dispatch({
      candidates: candidates(),
      hedge: { afterMs: () => 200, allow: () => true },
      deadlineAt: Date.now() + 8_000,
      ack: {
        copyTo: (candidate) => {
          asked.push(candidate.poolId);
          return [{ ...h1, url: healthy.url }];
        },
      },
    });
    expect(asked).toEqual(['stuck']);
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'hedge_lost'],
    ]);
  });

  it("hedging: with no fresh pick to offer, the copy goes to the first ranking's next pool", async () => {
    const outcome = await dispatch({
      candidates: [
        { ...stuck, url: stalledUrl },
        { ...h1, url: healthy.url },
      ],
      hedge: { afterMs: () => 200, allow: () => true },
      ack: { copyTo: () => [] },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
  });

  it('hedging: a denied hedge asks for no fresh pick', async () => {
    const asked: string[] = [];
    const outcome = await dispatch({
      candidates: candidates(),
      hedge: { afterMs: () => 100, allow: () => false },
      ack: {
        copyTo: (candidate) => {
          asked.push(candidate.poolId);
          return [{ ...h1, url: healthy.url }];
        },
      },
      deadlineAt: Date.now() + 1_000,
    });
    expect(outcome.ok).toBe(false);
    expect(asked).toEqual([]);
  });
});

describe('dispatch with hedging: the late call wins', () => {
  it('hedging: when the late call answers first, the copy is cancelled and counts as canceled, not lost', async () => {
    // The "late" call is the healthy pool with a tiny threshold; the copy goes to the stalled one.
    const outcome = await dispatch({
      candidates: [
        { ...h1, url: healthy.url },
        { ...stuck, url: stalledUrl },
      ],
      hedge: { afterMs: () => 0, allow: () => true },
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'canceled'],
    ]);
  });
});

describe('dispatch with stall detection from step events', () => {
  const quietPool = { poolId: 'quiet', providerId: 'provider-quiet', url: '', protocol: 'gpu-node' };
  const streamed = (onProgress: (progress: { kind: string }) => void, quietFigures = {}) =>
    dispatch({
      candidates: [
        { ...quietPool, url: quietUrl, predictedMs: 60_000, ...quietFigures },
        { ...h1, url: healthy.url },
      ],
      // The hedge timer is far off and its budget spent: only the missing steps can move the job.
      hedge: { afterMs: () => 60_000, allow: () => false },
      onProgress,
      stallAfterMs: 300,
    });

  it('stall: a streamed call that stops reporting steps mid-job gets a copy at once, budget or not', async () => {
    quietPlan.stepMs = 20;
    quietPlan.stepsBeforeStall = 3;
    quietPlan.steps = 30;
    const seen: string[] = [];
    const startedAt = Date.now();
    const outcome = await streamed((progress) => seen.push(progress.kind));
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['quiet', 'stalled'],
    ]);
    // Three steps, 300 ms of silence, then the copy: far sooner than the 60 s hedge timer.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    // The stalled pool's events and the copy's both reached the caller.
    expect(seen.filter((kind) => kind === 'progress').length).toBeGreaterThanOrEqual(3);
  });

  it('stall: a streamed call its pool never acknowledges (a frozen process still accepts the connection) gets a copy at once, budget or not', async () => {
    const startedAt = Date.now();
    const due: string[] = [];
    const outcome = await dispatch({
      candidates: [
        { ...stuck, url: stalledUrl, predictedMs: 60_000 },
        { ...h1, url: healthy.url },
      ],
      hedge: { afterMs: () => 60_000, allow: () => false },
      onProgress: () => undefined,
      ack: { onAcknowledgementDue: (poolId) => due.push(poolId) },
      stallAfterMs: 300,
    });
    // Each gpu-node call is owed an acknowledgement: routing counts the pool's silence from it.
    expect(due).toEqual(['stuck', 'h1']);
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['stuck', 'stalled'],
    ]);
    // 300 ms with no acknowledgement, then the copy: far sooner than the 60 s hedge timer.
    expect(Date.now() - startedAt).toBeLessThan(10_000);
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'stuck');
    expect(lost?.durationMs).toBeGreaterThanOrEqual(300);
  });

  it('stall: the copy of a stalled call goes to a fresh pick (ack.copyTo)', async () => {
    quietPlan.stepMs = 20;
    quietPlan.stepsBeforeStall = 3;
    quietPlan.steps = 30;
    const outcome = await dispatch({
      candidates: [
        { ...quietPool, url: quietUrl, predictedMs: 60_000 },
        { ...stuck, url: stalledUrl },
      ],
      hedge: { afterMs: () => 60_000, allow: () => false },
      ack: { copyTo: () => [{ ...h1, url: healthy.url }] },
      stallAfterMs: 300,
      deadlineAt: Date.now() + 8_000,
    });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    expect(outcome.attempts.map((attempt) => [attempt.poolId, attempt.outcome])).toEqual([
      ['h1', 'ok'],
      ['quiet', 'stalled'],
    ]);
  });

  it('stall: a call that keeps stepping, however slowly, is not judged stalled while it steps', async () => {
    quietPlan.stepMs = 150;
    quietPlan.stepsBeforeStall = 10;
    quietPlan.steps = 30;
    const outcome = await streamed(() => undefined);
    expect(outcome.ok && outcome.poolId).toBe('h1');
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'quiet');
    expect(lost?.outcome).toBe('stalled');
    // Ten steps 150 ms apart: no copy before the last of them (1.5 s), one after 4 intervals of quiet.
    expect(lost?.durationMs).toBeGreaterThanOrEqual(1_500);
  });

  it("stall: past its last step a call is quiet while the pool makes the image: no copy before 4 of the pool's finish times", async () => {
    // Three steps of three, then silence: the image being decoded and encoded, on a pool whose
    // finish measured 500 ms (a large image through a VAE on a CPU).
    quietPlan.stepMs = 20;
    quietPlan.stepsBeforeStall = 3;
    quietPlan.steps = 3;
    const outcome = await streamed(() => undefined, { finishMs: 500 });
    expect(outcome.ok && outcome.poolId).toBe('h1');
    const lost = outcome.attempts.find((attempt) => attempt.poolId === 'quiet');
    // Still a stall in the end (this pool never answers), but only after 4 x 500 ms of finishing.
    expect(lost?.outcome).toBe('stalled');
    expect(lost?.durationMs).toBeGreaterThanOrEqual(3 * 20 + 4 * 500);
  });
});
