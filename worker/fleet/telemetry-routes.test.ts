import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { testApp, testDeps } from '../testing/test-app.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { craftToken, nowSeconds } from '../testing/test-tokens.ts';
import { fleetRegistryOf } from './fleet-registry-stub.ts';
import { joinsSnapshotView } from './telemetry-routes.ts';
import { heartbeatKey } from './testing/signed-heartbeats.ts';

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

/**
 * Registers a pool with a fresh heartbeat key under its own provider; returns how to send its
 * signed heartbeat (a report taken at `at`) through an app, and the answer's status.
 */
async function keyedPool(poolId: string) {
  const registry = fleetRegistryOf(env);
  const key = await heartbeatKey();
  await registry.putProvider(providerInput({ id: `${poolId}-provider` }));
  const stored = await registry.putPool(
    await poolInput({ id: poolId, provider_id: `${poolId}-provider`, public_key: key.publicKey }),
  );
  expect(stored.ok).toBe(true);
  return async (app: ReturnType<typeof testApp>, at: number): Promise<number> => {
    const token = await key.sign(poolId, telemetryReport({ pool_id: poolId, timestamp: at }));
    const answer = await app.request(
      `/v1/pools/${poolId}/telemetry`,
      { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: token },
      env,
    );
    return answer.status;
  };
}

describe("a pool joining the isolate's view", () => {
  it('joins view: a pool with no heartbeat in the snapshot, or only one past the TTL, joins; a fresh one does not', () => {
    expect(joinsSnapshotView(undefined, 10_000, 3_000)).toBe(true);
    expect(joinsSnapshotView({ received_at: null }, 10_000, 3_000)).toBe(true);
    expect(joinsSnapshotView({ received_at: 6_000 }, 10_000, 3_000)).toBe(true);
    expect(joinsSnapshotView({ received_at: 7_000 }, 10_000, 3_000)).toBe(false);
    // A region the snapshot kept from a read at 8 s: judged as of that read.
    expect(joinsSnapshotView({ received_at: 6_000 }, 10_000, 3_000, 8_000)).toBe(false);
    expect(joinsSnapshotView({ received_at: 4_000 }, 10_000, 3_000, 8_000)).toBe(true);
  });

  it("heartbeat: a pool's first heartbeat refreshes the isolate's snapshot at once, not at its next refresh", async () => {
    const sendHeartbeat = await keyedPool('joining-pool');
    // The isolate's clock stands still: its snapshot never ages into a refresh of its own.
    const frozenAt = Date.now();
    const frozen = testDeps(env, () => frozenAt);
    const app = testApp(env, frozen);
    await frozen.fleet.get(() => undefined);
    expect(frozen.fleet.entry('joining-pool')?.telemetry ?? null).toBeNull();
    expect(await sendHeartbeat(app, frozenAt)).toBe(204);
    await vi.waitFor(() =>
      expect(frozen.fleet.entry('joining-pool')?.telemetry?.pool_id).toBe('joining-pool'),
    );
    // A second heartbeat, fresh in the snapshot now, reads nothing more.
    expect(joinsSnapshotView(frozen.fleet.entry('joining-pool'), frozenAt, 3_000)).toBe(false);
  });
});

describe('heartbeats dated before the last accepted one', () => {
  it('heartbeat: a pool whose clock stepped back is refused out loud (409, logged), not dropped as stale in silence', async () => {
    const poolId = 'clock-stepped-pool';
    const registry = fleetRegistryOf(env);
    const key = await heartbeatKey();
    await registry.putProvider(providerInput({ id: `${poolId}-provider` }));
    await registry.putPool(
      await poolInput({ id: poolId, provider_id: `${poolId}-provider`, public_key: key.publicKey }),
    );
    const app = testApp(env, testDeps(env));
    const send = async (at: number) =>
      app.request(
        `/v1/pools/${poolId}/telemetry`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/jwt' },
          body: await key.sign(poolId, telemetryReport({ pool_id: poolId, timestamp: at })),
        },
        env,
      );
    const now = Date.now();
    expect((await send(now)).status).toBe(204);
    // Out of order by a little, or a duplicate: harmless, answered as before.
    expect((await send(now - 1_000)).status).toBe(204);
    expect((await send(now)).status).toBe(204);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // An NTP step of 30 s, and a clock a year behind.
      for (const behind of [30_000, 365 * 86_400_000]) {
        warn.mockClear();
        const answer = await send(now - behind);
        expect(answer.status).toBe(409);
        const { error } = errorEnvelopeSchema.parse(await answer.json());
        expect(error).toMatchObject({ code: 'resource_conflict', param: 'telemetry.timestamp' });
        expect(error.message).toContain("the pool's clock went back");
        const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as unknown);
        expect(lines).toContainEqual({
          level: 'warn',
          msg: 'heartbeat refused',
          pool_id: poolId,
          reason: 'report_behind',
          timestamp: now - behind,
          last_accepted_timestamp: now,
        });
      }
    } finally {
      warn.mockRestore();
    }
    // Once its clock passes the last accepted report, the pool is heard again.
    expect((await send(now + 1)).status).toBe(204);
  });
});
