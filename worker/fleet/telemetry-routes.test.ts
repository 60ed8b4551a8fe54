import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { poolInput, providerInput } from '../testing/test-inputs.ts';
import { craftToken, nowSeconds } from '../testing/test-tokens.ts';
import { fleetRegistryOf } from './fleet-registry-stub.ts';

const forged = craftToken(
  { alg: 'EdDSA', typ: 'spillway-heartbeat+jwt' },
  { iss: 'x', exp: nowSeconds() + 60 },
  'AAAA',
);

async function heartbeat(poolId: string, body: BodyInit) {
  const response = await exports.default.fetch(`http://edge.test/v1/pools/${poolId}/telemetry`, {
    method: 'POST',
    headers: { 'content-type': 'application/jwt' },
    body,
  });
  const envelope = errorEnvelopeSchema.parse(await response.json());
  return { status: response.status, error: envelope.error };
}

beforeAll(async () => {
  const registry = fleetRegistryOf(env);
  await registry.putProvider(providerInput({ id: 'heartbeat-provider' }));
  const stored = await registry.putPool(
    await poolInput({ id: 'heartbeat-pool', provider_id: 'heartbeat-provider' }),
  );
  expect(stored.ok).toBe(true);
});

describe('pool heartbeats', () => {
  it('heartbeat: an unknown pool id is answered exactly like a bad signature for a registered one (401)', async () => {
    const unknown = await heartbeat('no-such-pool', forged);
    const registered = await heartbeat('heartbeat-pool', forged);
    expect(unknown.status).toBe(401);
    expect(unknown).toEqual(registered);
    expect(JSON.stringify(unknown)).not.toContain('no-such-pool');
  });

  it('heartbeat: a body over the limit is refused while it streams in, without a declared length', async () => {
    const chunk = new TextEncoder().encode('a'.repeat(4096));
    let sent = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        sent += chunk.length;
        // Far past the limit: the edge must stop reading long before this.
        if (sent > 4 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const answer = await heartbeat('heartbeat-pool', endless);
    expect(answer.status).toBe(413);
    expect(answer.error.code).toBe('payload_too_large');
    expect(sent).toBeLessThan(1024 * 1024);
  });
});
