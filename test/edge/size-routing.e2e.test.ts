import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyPipeline } from '../../gpu-node/pipeline/tiny-pipeline.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { generateViaEdge, startTestStack, waitForTelemetry } from './edge-stack.ts';

// Issue 17 on the real stack: two gpu-node pools serve the same model (a tiny SD pipeline folder)
// at different sizes, as a fleet of mixed GPUs would. The edge routes a size to the pools that
// serve it, whatever their load, and a size no pool serves is the pool's own 400.
let stack: LocalStack;

beforeAll(async () => {
  const folder = join(mkdtempSync(join(tmpdir(), 'spillway-size-routing-')), 'tiny-sd');
  await writeTinyPipeline(folder);
  const pipeline = (sizes: string) => ['--pipeline', `spillway-tiny=${folder}`, '--pipeline-sizes', sizes];
  stack = await startTestStack({
    poolFlags: { 'pool-a': pipeline('64x64'), 'pool-b': pipeline('64x64,128x64') },
  });
  await waitForTelemetry(stack);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

describe('routing by the sizes each pool serves', () => {
  it('size routing: a size only one pool serves always goes there; a shared size goes to both', async () => {
    const wide = await Promise.all(
      Array.from({ length: 8 }, (_, seed) =>
        generateViaEdge(stack, { prompt: 'a cat', size: '128x64', seed }),
      ),
    );
    expect(wide.map(({ status }) => status)).toEqual(Array(8).fill(200));
    expect(new Set(wide.map(({ pool }) => pool))).toEqual(new Set(['pool-b']));
    const square = await Promise.all(
      Array.from({ length: 12 }, (_, seed) =>
        generateViaEdge(stack, { prompt: 'a cat', size: '64x64', seed }),
      ),
    );
    expect(square.map(({ status }) => status)).toEqual(Array(12).fill(200));
    expect(new Set(square.map(({ pool }) => pool))).toEqual(new Set(['pool-a', 'pool-b']));
  });

  it('size routing: a size no pool serves is a 400 naming the size field, not a 503', async () => {
    const answer = await generateViaEdge(stack, { prompt: 'a cat', size: '256x256' });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { param: 'size' } });
  });
});
