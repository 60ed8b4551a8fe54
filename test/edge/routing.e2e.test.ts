import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeldEngine } from '../../gpu-node/testing/held-engine.ts';
import { startHeldEnginePool } from '../../gpu-node/testing/test-pool.ts';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';
import { inProcessPool } from '../support/in-process-pool.ts';
import { dispatchToken } from '../support/keys.ts';
import { expectSuccess, generate } from '../support/pool-client.ts';
import { poolLedger } from '../support/pool-ledger.ts';
import {
  generateViaEdge,
  listingOf,
  poolOf,
  startTestStack,
  waitForRegistry,
  waitForSnapshotRefresh,
  waitForTelemetry,
} from './edge-stack.ts';

// Both pools run in this process around the real ONNX engine behind a gate (held-engine.ts): open
// unless a test holds it, so a held job is provably queued or waiting while the test routes around
// it, however fast this host computes. Their own heartbeats carry their real queues to the edge.
// pool-a has one slot, pool-b eight, so a few requests in flight hardly change pool-b's figures.
const heldA = inProcessPool(startHeldEnginePool, { workers: 1, maxBatchSize: 1 });
const heldB = inProcessPool(startHeldEnginePool, { workers: 1, maxBatchSize: 8 });

/**
 * Jobs that fill pool-a's slot and queue. The edge's forecast drains a pool at one slot per job
 * time over a snapshot's life; at `DEFAULT_JOB_MS` a job that is far more than it can drain.
 */
const OCCUPYING_JOBS = 8;
/** Requests sent at once to see where routing puts them. */
const PROBES = 5;

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ startPool: { 'pool-a': heldA.start, 'pool-b': heldB.start } });
  heldA.pool.engine.release();
  heldB.pool.engine.release();
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const quick = { prompt: 'a red fox', size: '64x64', steps: 2 } as const;

/** The official OpenAI SDK pointed at the edge: only `baseURL` and `apiKey` changed. */
const sdkClient = (options: { maxRetries?: number } = {}) =>
  new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey, ...options });

/** Bytes 1-3 of a base64 image: "PNG" for a PNG. */
const pngSignatureOf = (base64: string) => Buffer.from(base64, 'base64').subarray(1, 4).toString();
const ledgerOf = (poolId: string) => poolLedger(poolOf(stack, poolId).url);

// Occupying jobs are typical images (the model's default steps): routing prices a queue by its
// work, and a queue of tiny jobs on a pool that has measured nothing is nearly free.
/** Fills a pool's engine and queue with held jobs sent straight to it; resolves with their answers. */
async function occupy(poolId: string, engine: HeldEngine, slots: number, jobs: number) {
  engine.hold();
  const token = await dispatchToken(stack.edgePrivateKey, { audience: poolId });
  const answers = Array.from({ length: jobs }, (_, seed) =>
    generate(poolOf(stack, poolId).url, { prompt: 'busy', seed, size: '256x256' }, { token }),
  );
  await engine.whenHeld(slots);
  return answers;
}

describe('edge routing end to end', () => {
  it('routing: a request goes to the less-loaded of two pools', async () => {
    // Neither pool has finished a job yet, so the edge prices a job at its DEFAULT_JOB_MS
    // (worker/config.ts) on both: where it routes cannot depend on how fast this host computes.
    // Keep this test first.
    const fresh = await waitForRegistry(stack, 'telemetry from both pools', (pools) =>
      ['pool-a', 'pool-b'].every((id) => listingOf(pools, id)?.telemetry),
    );
    for (const id of ['pool-a', 'pool-b']) expect(listingOf(fresh, id)?.telemetry?.ewma_job_ms).toBeNull();
    const poolA = heldA.pool;
    const poolB = heldB.pool;
    const occupying = await occupy('pool-a', poolA.engine, 1, OCCUPYING_JOBS);
    poolB.engine.hold();
    try {
      // pool-a's own heartbeat carries its queue to the edge, which routes with it once its
      // snapshot holds that report.
      await waitForRegistry(stack, `pool-a carrying ${OCCUPYING_JOBS} jobs`, (pools) => {
        const report = listingOf(pools, 'pool-a')?.telemetry;
        return report ? report.queued + report.running === OCCUPYING_JOBS : false;
      });
      await waitForSnapshotRefresh();
      const before = await ledgerOf('pool-a');
      const answers = Promise.all(Array.from({ length: PROBES }, () => generateViaEdge(stack, quick)));
      // All of them reached pool-b and wait there, so none finished and moved the figures routing
      // reads before the last was routed.
      await poolB.engine.whenHeld(PROBES);
      poolB.engine.release();
      for (const answer of await answers) {
        expect([answer.status, answer.pool, answer.provider]).toEqual([200, 'pool-b', 'provider-b']);
      }
      // pool-a was handed none of them, not even as a hedged or failed-over copy.
      expect(await ledgerOf('pool-a')).toEqual(before);
      expect(poolA.scheduler.load()).toMatchObject({ running: 1, queued: OCCUPYING_JOBS - 1 });
    } finally {
      poolA.engine.release();
      poolB.engine.release();
    }
    for (const answer of await Promise.all(occupying)) expectSuccess(answer);
  });

  it('openai sdk: images.generate works with only baseURL and apiKey changed', async () => {
    const client = sdkClient();
    const result = await client.images.generate({
      prompt: 'a lighthouse',
      size: '256x256' as '1024x1024',
      n: 1,
    });
    const image = result.data?.[0]?.b64_json ?? '';
    expect(pngSignatureOf(image)).toBe('PNG');
  });

  it('openai sdk: stream: true yields one image_generation.completed event per image', async () => {
    const client = sdkClient();
    const stream = await client.images.generate({
      prompt: 'a lighthouse',
      size: '64x64' as '1024x1024',
      n: 2,
      stream: true,
      partial_images: 1,
    });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => [event.type, event.size])).toEqual([
      ['image_generation.completed', '64x64'],
      ['image_generation.completed', '64x64'],
    ]);
    for (const event of events) {
      expect(pngSignatureOf(event.b64_json)).toBe('PNG');
    }
    // Partial images cannot be sent, and the client is told so.
    const raw = await client.images
      .generate({ prompt: 'a lighthouse', size: '64x64' as '1024x1024', stream: true, partial_images: 2 })
      .asResponse();
    expect(raw.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(raw.headers.get('x-spillway-warnings')).toMatch(/partial_images/);
    await raw.body?.cancel();
  });

  it('openai sdk: a refused streamed request throws the envelope’s error, not an empty stream', async () => {
    const client = sdkClient({ maxRetries: 0 });
    const refused = client.images.generate({ prompt: 'a lighthouse', stream: true, response_format: 'url' });
    await expect(refused).rejects.toMatchObject({ status: 400, param: 'response_format' });
  });

  it('openai sdk: size "auto" runs at the model’s default size, as leaving size out does', async () => {
    const dimensionsOf = async (fields: Record<string, unknown>) => {
      const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'a lighthouse', steps: 2, ...fields }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { data: { b64_json: string }[] };
      const png = Buffer.from(body.data[0]?.b64_json ?? '', 'base64');
      // PNG IHDR: width and height at bytes 16-23.
      return [png.readUInt32BE(16), png.readUInt32BE(20)];
    };
    const byDefault = await dimensionsOf({});
    expect(await dimensionsOf({ size: 'auto' })).toEqual(byDefault);
    expect(await dimensionsOf({ size: '64x64' })).not.toEqual(byDefault);
  });

  it('openai clients: null means "not given", and ignored fields or options are named in a warning', async () => {
    // As openai-python sends a parameter passed as None, with a misspelt field and an option no pool has.
    const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        ...quick,
        model: null,
        n: null,
        user: null,
        response_format: null,
        negative_promt: 'blur',
        background: 'transparent',
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { b64_json: string }[] };
    expect(body.data.map((image) => pngSignatureOf(image.b64_json))).toEqual(['PNG']);
    const warnings = response.headers.get('x-spillway-warnings');
    expect(warnings).toContain('ignored unknown field: negative_promt');
    expect(warnings).toMatch(/background: "transparent" is not supported/);
  });

  it('models: the official SDK lists the models the fleet can serve now', async () => {
    const client = sdkClient();
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['spillway-tiny']);
    expect(await client.models.retrieve('spillway-tiny')).toMatchObject({
      id: 'spillway-tiny',
      object: 'model',
    });
    await expect(client.models.retrieve('no-such-model')).rejects.toMatchObject({
      status: 404,
      code: 'model_not_found',
    });
  });

  it('drain: a draining pool gets no new work', async () => {
    const admin = adminClient(stack.edgeUrl, stack.operatorToken);
    // The drain switch refreshes the isolate's snapshot before it answers.
    await admin.drain('pool-b');
    try {
      const before = await ledgerOf('pool-b');
      for (let attempt = 0; attempt < 6; attempt++) {
        expect((await generateViaEdge(stack, quick)).pool).toBe('pool-a');
      }
      // pool-b was handed none of them.
      expect(await ledgerOf('pool-b')).toEqual(before);
    } finally {
      const undrain = await fetch(`${stack.edgeUrl}/v1/admin/pools/pool-b/drain`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${stack.operatorToken}` },
      });
      expect(undrain.status).toBe(200);
    }
  });

  it('telemetry: a heartbeat for pool-a signed with pool-b’s key is refused', async () => {
    const forged = await new SignJWT({ telemetry: { pool_id: 'pool-a' } })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.heartbeat })
      .setIssuer('pool-a')
      .setSubject('pool-a')
      .setAudience(edgeIssuer)
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(createPrivateKey(readFileSync(poolOf(stack, 'pool-b').keyPath, 'utf8')));
    const response = await fetch(`${stack.edgeUrl}/v1/pools/pool-a/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/jwt' },
      body: forged,
    });
    expect(response.status).toBe(401);
  });
});
