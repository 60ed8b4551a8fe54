import { afterEach, describe, expect, it } from 'vitest';
import type { GpuNodeConfig } from '../../gpu-node/config/gpu-node-config.ts';
import { FakeBatchEngine } from '../../gpu-node/testing/fake-batch-engine.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { inProcessPool } from '../support/in-process-pool.ts';
import { listingOf, startTestStack, waitForRegistry, waitForTelemetry } from './edge-stack.ts';

/**
 * ms of a step: 2 ms plus 400 ms per megapixel in the batch (a 256x256 image is 0.066 MP), so
 * near-linear, as on a CPU; 16 slots, as `npm start`'s pools have.
 */
const PACED_STEP = { fixedMs: 2, msPerMegapixel: 400 };

/** A device of one known speed (`FakeBatchEngine.runPaced`), with the slots the settings give. */
async function pacedEngine(config: GpuNodeConfig): Promise<FakeBatchEngine> {
  return slowedEngine(1)(config);
}

/** As {@link pacedEngine}, each step `factor` times as long: a slower device. */
function slowedEngine(factor: number) {
  return async (config: GpuNodeConfig): Promise<FakeBatchEngine> =>
    new FakeBatchEngine({
      slots: (config.workers ?? 1) * config.maxBatchSize,
      stepMs: ({ batchMegapixels }) =>
        factor * (PACED_STEP.fixedMs + PACED_STEP.msPerMegapixel * batchMegapixels),
    });
}

// Issue 13, on the real stack: the edge in workerd; real gpu-node pools (their composition root,
// scheduler, HTTP and heartbeats) around devices of one known speed for the equal-pools bursts,
// real gpu-node processes on ONNX Runtime for the mixed burst. Every assertion is on where
// requests went or in which order they finished, never on how long they took. The equal-pools
// bound fails on the routing before issue 13 (commit 1876c6c split a burst 0/24 here: image counts
// and a fixed batching prior); the mixed burst passes there too (docs/routing.md).

let stack: LocalStack | undefined;
afterEach(async () => {
  await stack?.stop();
  stack = undefined;
});

/** The test stack's pool-a and pool-b with `flags` each, once both have reported. */
async function start(flags: readonly string[] = []): Promise<LocalStack> {
  const started = await startTestStack({ poolFlags: { 'pool-a': flags, 'pool-b': flags } });
  stack = started;
  await waitForTelemetry(started);
  return started;
}

interface Answer {
  readonly pool: string;
  readonly kind: string;
  readonly finishedInOrder: number;
}

/** Sends every request at once; answers in the order they finished. */
async function burst(
  edge: LocalStack,
  requests: ReadonlyArray<{ kind: string; body: object }>,
): Promise<Answer[]> {
  let finished = 0;
  return Promise.all(
    requests.map(async ({ kind, body }) => {
      const response = await fetch(`${edge.edgeUrl}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${edge.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      await response.arrayBuffer();
      expect(response.status).toBe(200);
      return { pool: response.headers.get('x-spillway-pool') ?? '', kind, finishedInOrder: finished++ };
    }),
  );
}

/** Waits until the registry shows every pool idle again, so one burst does not load the next. */
async function settle(edge: LocalStack): Promise<void> {
  await waitForRegistry(edge, 'every pool idle', (pools) =>
    edge.pools.every((pool) => {
      const telemetry = listingOf(pools, pool.id)?.telemetry;
      return telemetry !== undefined && telemetry !== null && telemetry.running + telemetry.queued === 0;
    }),
  );
  await waitForTelemetry(edge);
}

const countBy = (answers: readonly Answer[], pool: string) =>
  answers.filter((answer) => answer.pool === pool).length;
const standard = { prompt: 'a red fox', size: '256x256' };
/** Less work than the model's typical image: a request that may be tied. */
const tiny = { prompt: 'a small fox', size: '64x64', steps: 4 };

/**
 * Four bursts of 24 concurrent `body` requests on two equal pools, each after the last settled:
 * how each split, [pool-a, pool-b]. Equal for real: two pools whose devices step at one fixed
 * speed (near-linear in the batch's megapixels, as on a CPU), whatever the host's two cores are
 * doing. Two gpu-node processes on those cores are equal only on average: which one the test
 * process, workerd or the other pool steals time from decides their measured curves, and a burst
 * follows the measurements. `slowdown` multiplies every step (both pools alike).
 */
async function burstsOnEqualPools(body: object, slowdown = 1): Promise<number[][]> {
  const pools = {
    'pool-a': inProcessPool(slowedEngine(slowdown), { workers: 1, maxBatchSize: 16 }),
    'pool-b': inProcessPool(slowedEngine(slowdown), { workers: 1, maxBatchSize: 16 }),
  };
  const edge = await startTestStack({
    startPool: { 'pool-a': pools['pool-a'].start, 'pool-b': pools['pool-b'].start },
  });
  stack = edge;
  for (const pool of Object.values(pools)) pool.pool.engine.runPaced();
  await waitForTelemetry(edge);
  const splits: number[][] = [];
  for (let round = 0; round < 4; round++) {
    const answers = await burst(
      edge,
      Array.from({ length: 24 }, () => ({ kind: 'burst', body })),
    );
    splits.push([countBy(answers, 'pool-a'), countBy(answers, 'pool-b')]);
    await settle(edge);
  }
  return splits;
}

describe('routing on measured work, end to end', () => {
  it('bursts: 24 concurrent requests on two equal pools split no worse than 15/9, burst after burst', async () => {
    const splits = await burstsOnEqualPools(standard);
    for (const split of splits) expect(Math.max(...split), JSON.stringify(splits)).toBeLessThanOrEqual(15);
  }, 300_000);

  it('bursts of small requests, each of which may be tied, still split no worse than 16/8', async () => {
    // Every request here is smaller than a typical image, so each could go to both pools at once
    // (tied requests). Tied all together, the pairs' acknowledgements race and one pool wins most
    // of a burst; an isolate keeps at most two pairs unsettled (MAX_UNSETTLED_TIES).
    // At the paced speed a tiny request takes ~15 ms, less than a busy host's workerd may take to
    // pass 24 requests on: each may then find both pools idle and the tie go to the first to answer,
    // as when a burst split 5/19 once in a full run. Steps 8x as long keep the burst concurrent at the pools.
    const splits = await burstsOnEqualPools(tiny, 8);
    for (const split of splits) expect(Math.max(...split), JSON.stringify(splits)).toBeLessThanOrEqual(16);
  }, 300_000);

  it('a third pool with half the speed receives proportionally less', async () => {
    const pools = {
      'pool-a': inProcessPool(pacedEngine, { workers: 1, maxBatchSize: 16 }),
      'pool-b': inProcessPool(pacedEngine, { workers: 1, maxBatchSize: 16 }),
      'pool-c': inProcessPool(slowedEngine(2), { workers: 1, maxBatchSize: 16 }),
    };
    const edge = await startTestStack({
      withPoolC: true,
      startPool: {
        'pool-a': pools['pool-a'].start,
        'pool-b': pools['pool-b'].start,
        'pool-c': pools['pool-c'].start,
      },
    });
    stack = edge;
    for (const pool of Object.values(pools)) pool.pool.engine.runPaced();
    await waitForTelemetry(edge);
    const served: Answer[] = [];
    for (let round = 0; round < 3; round++) {
      served.push(
        ...(await burst(
          edge,
          Array.from({ length: 24 }, () => ({ kind: 'standard', body: standard })),
        )),
      );
      await settle(edge);
    }
    const [a, b, c] = (['pool-a', 'pool-b', 'pool-c'] as const).map((pool) => countBy(served, pool));
    const shares = JSON.stringify({ a, b, c });
    // Half the throughput: about a fifth of the work (a, b, c ≈ 2 : 2 : 1), never as much as an equal pool.
    expect(c ?? 0, shares).toBeLessThan(Math.min(a ?? 0, b ?? 0));
    expect(c ?? 0, shares).toBeGreaterThanOrEqual(72 * 0.1);
    expect(c ?? 0, shares).toBeLessThanOrEqual(72 * 0.3);
  }, 300_000);

  it('mixed burst: small requests finish before the first large one, and large ones spread by work', async () => {
    const edge = await start(['--workers', '1', '--max-batch-size', '4']);
    const small = { prompt: 'a small fox', size: '64x64', steps: 4 };
    const large = { prompt: 'a large fox', size: '512x512', steps: 50 };
    // More large requests than one pool's four slots, interleaved with small ones.
    const requests = Array.from({ length: 12 }, (_, index) =>
      index % 2 === 0 ? { kind: 'large', body: large } : { kind: 'small', body: small },
    );
    const answers = await burst(edge, requests);
    const firstLarge = Math.min(
      ...answers.filter((answer) => answer.kind === 'large').map((answer) => answer.finishedInOrder),
    );
    const lastSmall = Math.max(
      ...answers.filter((answer) => answer.kind === 'small').map((answer) => answer.finishedInOrder),
    );
    expect(lastSmall, JSON.stringify(answers)).toBeLessThan(firstLarge);
    const largeOn = (pool: string) =>
      answers.filter((answer) => answer.kind === 'large' && answer.pool === pool).length;
    expect(Math.abs(largeOn('pool-a') - largeOn('pool-b')), JSON.stringify(answers)).toBeLessThanOrEqual(2);
  }, 300_000);
});
