import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeldEnginePool } from '../../gpu-node/testing/test-pool.ts';
import { adminClient } from '../../scripts/local-stack/admin-client.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import { inProcessPool } from '../support/in-process-pool.ts';
import { startTestStack, waitForTelemetry } from './edge-stack.ts';

// Issue 12, item 2: the pools' job ids used to be `edge-${x-request-id}`, so a tenant sending
// another tenant's request id joined (or, with a short deadline, cancelled) that tenant's job.
// Both pools hold their engines here, so the victim's request is provably still running.
const heldA = inProcessPool(startHeldEnginePool, { workers: 1, maxBatchSize: 4 });
const heldB = inProcessPool(startHeldEnginePool, { workers: 1, maxBatchSize: 4 });

let stack: LocalStack;
let victimKey: string;
let otherTenantKey: string;

beforeAll(async () => {
  stack = await startTestStack({ startPool: { 'pool-a': heldA.start, 'pool-b': heldB.start } });
  const admin = adminClient(stack.edgeUrl, stack.operatorToken);
  // Both pinned to one provider, so both requests land on the same pool, where a shared job id
  // would join.
  await admin.putTenant({ id: 'victim', name: 'Victim', tier: 'paid', allowed_providers: ['provider-a'] });
  await admin.putTenant({ id: 'mallory', name: 'Mallory', tier: 'paid', allowed_providers: ['provider-a'] });
  victimKey = (await admin.mintKey('victim')).key;
  otherTenantKey = (await admin.mintKey('mallory')).key;
  heldA.pool.engine.release();
  heldB.pool.engine.release();
  await waitForTelemetry(stack);
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

const sharedRequestId = 'shared-trace-id_0123';
const body = { prompt: 'a private portrait', size: '64x64', steps: 2 };

function generate(key: string, extra: object = {}) {
  return fetch(`${stack.edgeUrl}/v1/images/generations`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      'x-request-id': sharedRequestId,
    },
    body: JSON.stringify({ ...body, ...extra }),
  });
}

async function imageOf(response: Response): Promise<string> {
  expect(response.status).toBe(200);
  const answer = (await response.json()) as { data: { b64_json: string }[] };
  return answer.data[0]?.b64_json ?? '';
}

describe('cross-tenant request ids', () => {
  it('request ids: another tenant reusing a request id neither joins nor cancels the running request', async () => {
    heldA.pool.engine.hold();
    const victim = generate(victimKey);
    await heldA.pool.engine.whenHeld(1);
    // A short deadline used to make the edge cancel the pool job it shared with the victim.
    const attacker = await generate(otherTenantKey, { deadline_ms: 300 });
    expect(attacker.status).toBe(504);
    const eavesdropper = generate(otherTenantKey);
    await heldA.pool.engine.whenHeld(2);
    heldA.pool.engine.release();
    const [victimImage, eavesdropperImage] = await Promise.all([
      imageOf(await victim),
      imageOf(await eavesdropper),
    ]);
    // Both drew their own random seeds: the other tenant got its own image, not the victim's.
    expect(victimImage.length).toBeGreaterThan(100);
    expect(eavesdropperImage).not.toBe(victimImage);
  });

  it('request ids: any id the request-id middleware keeps, `=` and 128 characters included, still generates', async () => {
    for (const id of ['a=b==', 'x'.repeat(128), 'Z'.repeat(124)]) {
      const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.apiKey}`,
          'content-type': 'application/json',
          'x-request-id': id,
        },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe(id);
    }
  });
});
