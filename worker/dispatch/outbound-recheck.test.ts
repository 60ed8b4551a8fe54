import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { registerTenantCallers, type TenantCallers } from '../testing/tenant-callers.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';

let callers: TenantCallers;
const model = 'recheck-model';

beforeAll(async () => {
  callers = await registerTenantCallers(env, 'recheck-tenant');
  const registry = fleetRegistryOf(env);
  await registry.putProvider(providerInput({ id: 'recheck-provider' }));
  // Stored straight into the registry, as a URL registered under an older, laxer policy would be.
  for (const [id, url] of [
    ['recheck-loopback', 'http://[::ffff:7f00:1]:9/'],
    ['recheck-metadata', 'http://metadata.google.internal./'],
  ] as const) {
    const stored = await registry.putPool(
      await poolInput({ id, url, provider_id: 'recheck-provider', models: [model] }),
    );
    expect(stored.ok).toBe(true);
    const models = [{ name: model, sizes: ['64x64'], default_size: '64x64', default_steps: 1, max_steps: 1 }];
    await registry.recordTelemetry(
      id,
      telemetryReport({ pool_id: id, models, timestamp: Date.now() }),
      Date.now(),
    );
  }
});

describe('outbound policy at dispatch', () => {
  it('dispatch: a registered pool whose URL the outbound policy refuses is never called', async () => {
    const response = await exports.default.fetch('http://edge.test/v1/images/generations', {
      method: 'POST',
      headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'a fox', model, size: '64x64' }),
    });
    // No candidate left: the honest "no capacity", not an upstream failure after a call.
    expect(response.status).toBe(503);
    expect(errorEnvelopeSchema.parse(await response.json()).error.code).toBe('no_capacity');
  });
});
