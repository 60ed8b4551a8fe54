import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldEngine } from '../../gpu-node/testing/held-engine.ts';
import { startHeldEnginePool, startTestPool, type TestPool } from '../../gpu-node/testing/test-pool.ts';
import type { GenerationResponse } from '../../shared/index.ts';
import { expectSuccess, generate, metrics } from '../support/pool-client.ts';

// The real gpu-node server and ONNX Runtime engine in this process, behind a gate: jobs are
// admitted while the gate holds them and reach the engine together when the test opens it,
// so they share batches however fast this host computes.
let pool: TestPool<HeldEngine>;

beforeAll(async () => {
  pool = await startTestPool(startHeldEnginePool, { poolId: 'batching', workers: 1, maxBatchSize: 8 });
});
afterAll(async () => {
  await pool.stop();
});

/** Images and steps the pool has run so far, from its batch-size histogram. */
async function batchTotals(): Promise<{ steps: number; images: number }> {
  const histogram = (await metrics(pool.url)).find((family) => family.name === 'spillway_batch_size');
  const sample = histogram?.metrics[0];
  return { steps: Number(sample?.count ?? 0), images: Number(sample?.sum ?? 0) };
}

describe('gpu-node batching', () => {
  it('batching: jobs of different step counts admitted together share every step and match their unbatched results', async () => {
    const stepCounts = [3, 5, 8, 12, 4, 9];
    const requests = stepCounts.map((steps, index) => ({
      prompt: `scene ${index}`,
      seed: index,
      size: '64x64',
      steps,
    }));
    pool.engine.release();
    const alone: GenerationResponse[] = [];
    for (const request of requests) alone.push(expectSuccess(await generate(pool.url, request)));

    const before = await batchTotals();
    pool.engine.hold();
    const together = requests.map((request) => generate(pool.url, request));
    await pool.engine.whenHeld(requests.length);
    pool.engine.release();
    const answers = await Promise.all(together);
    const after = await batchTotals();

    answers.forEach((answer, index) => {
      expect(expectSuccess(answer).data[0]?.b64_json).toBe(alone[index]?.data[0]?.b64_json);
    });
    // Every image-step ran, and all in the steps of the longest job: one shared batch.
    expect(after.images - before.images).toBe(stepCounts.reduce((sum, steps) => sum + steps, 0));
    expect(after.steps - before.steps).toBe(Math.max(...stepCounts));
  });
});
