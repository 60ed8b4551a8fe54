import { afterEach, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { listingOf, startTestStack, waitForRegistry, waitForTelemetry } from './edge-stack.ts';

// Issue 13, on the real stack: real gpu-node processes on CPU, real ONNX Runtime, the edge in
// workerd. Every assertion is on where requests went or in which order they finished, never on
// how long they took. The equal-pools bound fails on the routing before issue 13 (image counts and
// a fixed batching prior); the mixed burst passes there too (docs/routing.md).

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

describe('routing on measured work, end to end', () => {
  it('bursts: 24 concurrent requests on two equal pools split no worse than 15/9, burst after burst', async () => {
    const edge = await start();
    const splits: number[][] = [];
    for (let round = 0; round < 4; round++) {
      const answers = await burst(
        edge,
        Array.from({ length: 24 }, () => ({ kind: 'standard', body: standard })),
      );
      splits.push([countBy(answers, 'pool-a'), countBy(answers, 'pool-b')]);
      await settle(edge);
    }
    for (const split of splits) expect(Math.max(...split), JSON.stringify(splits)).toBeLessThanOrEqual(15);
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
