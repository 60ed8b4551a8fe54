import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { edgeIssuer, tokenTypes } from '../../shared/index.ts';
import { dispatchToken } from '../support/keys.ts';
import { generateViaEdge, startTestStack, waitForTelemetry } from './edge-stack.ts';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack(['--workers', '1', '--max-batch-size', '1']);
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const quick = { prompt: 'a red fox', size: '64x64', steps: 2 } as const;

describe('edge routing end to end', () => {
  it('openai sdk: images.generate works with only baseURL and apiKey changed', async () => {
    const client = new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey });
    const result = await client.images.generate({
      prompt: 'a lighthouse',
      size: '256x256' as '1024x1024',
      n: 1,
    });
    const image = result.data?.[0]?.b64_json ?? '';
    expect(Buffer.from(image, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('models: the official SDK lists the models the fleet can serve now', async () => {
    const client = new OpenAI({ baseURL: `${stack.edgeUrl}/v1`, apiKey: stack.apiKey });
    const models = [];
    for await (const model of client.models.list()) models.push(model.id);
    expect(models).toEqual(['spillway-tiny']);
  });

  it('routing: a request goes to the less-loaded of two pools', async () => {
    const poolA = stack.pools.find((pool) => pool.id === 'pool-a');
    if (!poolA) throw new Error('pool-a missing');
    const token = await dispatchToken(stack.edgePrivateKey, { audience: 'pool-a' });
    const occupying = Array.from({ length: 6 }, (_, seed) =>
      fetch(`${poolA.url}/v1/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'busy', seed, size: '512x512', steps: 100 }),
      }),
    );
    // Let a heartbeat carry pool-a's queue to the edge, and the isolate's snapshot (at most 2 s
    // old) refresh.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    for (let attempt = 0; attempt < 5; attempt++) {
      const answer = await generateViaEdge(stack, quick);
      expect(answer.status).toBe(200);
      expect(answer.pool).toBe('pool-b');
      expect(answer.provider).toBe('provider-b');
    }
    await Promise.all(occupying);
  });

  it('drain: a draining pool gets no new work', async () => {
    await adminClient(stack.edgeUrl, stack.operatorToken).drain('pool-b');
    for (let attempt = 0; attempt < 6; attempt++) {
      expect((await generateViaEdge(stack, quick)).pool).toBe('pool-a');
    }
    const undrain = await fetch(`${stack.edgeUrl}/v1/admin/pools/pool-b/drain`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stack.operatorToken}` },
    });
    expect(undrain.status).toBe(200);
  });

  it('telemetry: a heartbeat for pool-a signed with pool-b’s key is refused', async () => {
    const poolB = stack.pools.find((pool) => pool.id === 'pool-b');
    if (!poolB) throw new Error('pool-b missing');
    const forged = await new SignJWT({ telemetry: { pool_id: 'pool-a' } })
      .setProtectedHeader({ alg: 'EdDSA', typ: tokenTypes.heartbeat })
      .setIssuer('pool-a')
      .setSubject('pool-a')
      .setAudience(edgeIssuer)
      .setIssuedAt()
      .setExpirationTime('30s')
      .sign(createPrivateKey(readFileSync(poolB.keyPath, 'utf8')));
    const response = await fetch(`${stack.edgeUrl}/v1/pools/pool-a/telemetry`, {
      method: 'POST',
      headers: { 'content-type': 'application/jwt' },
      body: forged,
    });
    expect(response.status).toBe(401);
  });

  it('stale telemetry: a pool that stops reporting gets no work', async () => {
    const poolA = stack.pools.find((pool) => pool.id === 'pool-a');
    if (!poolA) throw new Error('pool-a missing');
    poolA.process.kill('SIGSTOP');
    try {
      // TTL 3 s plus up to 2 s of snapshot age.
      await new Promise((resolve) => setTimeout(resolve, 5_500));
      for (let attempt = 0; attempt < 6; attempt++) {
        const answer = await generateViaEdge(stack, { ...quick, deadline_ms: 5_000 });
        expect([answer.status, answer.pool]).toEqual([200, 'pool-b']);
      }
    } finally {
      poolA.process.kill('SIGCONT');
    }
  });

  it('failover: a pool killed with SIGKILL stops getting work and requests still succeed', async () => {
    await waitForTelemetry(stack);
    // Kill whichever pool the edge prefers right now, so requests are sure to be sent to it.
    const preferred = (await generateViaEdge(stack, quick)).pool;
    const victim = stack.pools.find((pool) => pool.id === preferred);
    const survivor = stack.pools.find((pool) => pool.id !== preferred);
    if (!victim || !survivor) throw new Error('expected two pools');
    victim.process.kill('SIGKILL');
    // Straight after the kill the snapshot still lists the victim as healthy: requests sent there
    // must fail over and still succeed.
    const answers = await Promise.all(Array.from({ length: 6 }, () => generateViaEdge(stack, quick)));
    for (const answer of answers) expect([answer.status, answer.pool]).toEqual([200, survivor.id]);
    // Ejected after the refused connection, then stale: the dead pool gets no more attempts.
    const later = await Promise.all(Array.from({ length: 4 }, () => generateViaEdge(stack, quick)));
    for (const answer of later) expect([answer.status, answer.pool]).toEqual([200, survivor.id]);
  });
});
