import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendCallError } from '../../backends/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import type { EdgeDeps } from '../edge-deps.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import { testDeps } from '../testing/test-app.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { routeAndDispatch } from './route-and-dispatch.ts';

const model = 'rejudge-model';
const poolId = 'rejudge-pool';
const tenant: RoutingTenant = {
  id: 'rejudge-tenant',
  tier: 'free',
  allowed_providers: [],
  allowed_regions: [],
};
const request = generationRequestSchema.parse({ prompt: 'a fox', model, size: '64x64', steps: 1 });

beforeAll(async () => {
  const registry = fleetRegistryOf(env);
  await registry.putProvider(providerInput({ id: 'rejudge-provider' }));
  // An idle pool at a name nothing resolves: a request that reaches it fails to connect.
  const stored = await registry.putPool(
    await poolInput({
      id: poolId,
      url: 'https://rejudge.pools.example',
      provider_id: 'rejudge-provider',
      models: [model],
    }),
  );
  expect(stored.ok).toBe(true);
  const models = [{ name: model, sizes: ['64x64'], default_size: '64x64', default_steps: 1, max_steps: 1 }];
  await registry.recordTelemetry(
    poolId,
    telemetryReport({ pool_id: poolId, models, running: 0, queued: 0, timestamp: Date.now() }),
    Date.now(),
  );
});

/** Routes the request with this `admit` (the limiter call), waiting for its background work. */
async function routeWith(deps: EdgeDeps, jobId: string, admit: () => Promise<void>) {
  const background: Array<Promise<unknown>> = [];
  const outcome = await routeAndDispatch({
    services: deps,
    tenant,
    request,
    jobId,
    deadlineAt: Date.now() + 30_000,
    waitUntil: (promise) => background.push(promise),
    admit,
  });
  await Promise.allSettled(background);
  return outcome;
}

describe('admission after the limiter call', () => {
  it('admit: room taken while the limiter answered is judged again, and the request is shed', async () => {
    const deps = testDeps(env);
    let admitted = 0;
    // While this request's limiter call is out, other requests fill the pool.
    const outcome = await routeWith(deps, 'rejudge-job', async () => {
      admitted += 1;
      for (let sent = 0; sent < 64; sent += 1) {
        deps.observations.begin(poolId, Date.now(), { work: 100, images: 1, megapixels: 1 });
      }
    });
    expect(admitted).toBe(1);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.attempts).toEqual([]);
    expect(BackendCallError.isInstance(outcome.error) ? outcome.error.code : outcome.error).toBe('shed');
  });

  it('admit: with the room still there the request goes to the pool', async () => {
    const outcome = await routeWith(testDeps(env), 'rejudge-job-2', async () => undefined);
    // It was called: nothing answers there.
    expect(outcome.attempts.map((attempt) => attempt.poolId)).toEqual([poolId]);
  });
});
