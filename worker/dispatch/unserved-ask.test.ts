import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { BackendCallError } from '../../backends/index.ts';
import { generationRequestSchema } from '../../shared/index.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import type { RoutingTenant } from '../tenants/tenant-records.ts';
import { testDeps } from '../testing/test-app.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { failureToApiError } from './dispatch-errors.ts';
import { routeAndDispatch } from './route-and-dispatch.ts';

const tenant: RoutingTenant = {
  id: 'unserved-tenant',
  tier: 'free',
  allowed_providers: [],
  allowed_regions: [],
};
const STALE_MS = 3_600_000;

/** Registers a gpu-node pool for `model` at a name nothing resolves; `reportedAgoMs`: its one report's age. */
async function registerPool(poolId: string, model: string, reportedAgoMs: number | null) {
  const registry = fleetRegistryOf(env);
  await registry.putProvider(providerInput({ id: 'unserved-provider' }));
  const stored = await registry.putPool(
    await poolInput({
      id: poolId,
      url: `https://${poolId}.pools.example`,
      provider_id: 'unserved-provider',
      models: [model],
    }),
  );
  expect(stored.ok).toBe(true);
  if (reportedAgoMs === null) return;
  const models = [{ name: model, sizes: ['64x64'], default_size: '64x64', default_steps: 1, max_steps: 4 }];
  const at = Date.now() - reportedAgoMs;
  const report = telemetryReport({ pool_id: poolId, models, running: 0, queued: 0, timestamp: at });
  expect((await registry.recordTelemetry(poolId, report, at)).ok).toBe(true);
}

/** Routes a sync request for `model` with `asked` (size, steps), waiting for its background work. */
async function route(model: string, asked: { size?: string; steps?: number }) {
  const background: Array<Promise<unknown>> = [];
  const outcome = await routeAndDispatch({
    services: testDeps(env),
    tenant,
    request: generationRequestSchema.parse({ prompt: 'a fox', model, ...asked }),
    jobId: `unserved-${crypto.randomUUID()}`,
    deadlineAt: Date.now() + 30_000,
    waitUntil: (promise) => background.push(promise),
    admit: async () => undefined,
  });
  await Promise.allSettled(background);
  return outcome;
}

/** The client's error for a failed outcome: status, code and param. */
function wireOf(outcome: Awaited<ReturnType<typeof route>>) {
  if (outcome.ok || outcome.error === 'model_not_found') return null;
  const error = failureToApiError(outcome.error);
  return { status: error.status, code: error.code, param: error.param, message: error.message };
}

// Registered before any request: the registry serves a snapshot it took for a while after.
beforeAll(async () => {
  await registerPool('ghost-a-fresh', 'ghost-model-a', 0);
  await registerPool('ghost-a-silent', 'ghost-model-a', null);
  await registerPool('stale-b', 'stale-model-b', STALE_MS);
  await registerPool('stale-c', 'stale-model-c', STALE_MS);
  await registerPool('silent-d', 'silent-model-d', null);
});

describe('sync requests for a size or step count no pool serves', () => {
  it('unserved ask: a registered pool that never reported does not turn a bad size into a 503', async () => {
    const outcome = await route('ghost-model-a', { size: '257x256' });
    // Routed without the ask to the pool that reported, whose 400 names what it serves (here it
    // cannot be reached): not held back for the silent pool as a 503 `no_capacity`.
    expect(wireOf(outcome)?.code).not.toBe('no_capacity');
    expect(outcome.attempts.map((attempt) => attempt.poolId)).toEqual(['ghost-a-fresh']);
  });

  it('unserved ask: with the only pool stale, a bad size is 400 naming what it served, not a 503', async () => {
    const bySize = await route('stale-model-b', { size: '257x256' });
    expect(bySize.attempts).toEqual([]);
    expect(wireOf(bySize)).toEqual({
      status: 400,
      code: 'unsupported_value',
      param: 'size',
      message: 'size 257x256 is not served for stale-model-b: one of 64x64',
    });
    const bySteps = await route('stale-model-b', { steps: 40 });
    expect(wireOf(bySteps)).toMatchObject({ status: 400, code: 'unsupported_value', param: 'steps' });
    expect(!bySteps.ok && BackendCallError.isInstance(bySteps.error) && bySteps.error.retryable).toBe(false);
  });

  it('unserved ask: a stale pool that serves the size still answers 503: it may come back', async () => {
    expect(wireOf(await route('stale-model-c', { size: '64x64' }))).toMatchObject({
      status: 503,
      code: 'no_capacity',
    });
  });

  it('unserved ask: when no pool for the model ever reported, a size is not judged (503 as before)', async () => {
    expect(wireOf(await route('silent-model-d', { size: '257x256' }))).toMatchObject({
      status: 503,
      code: 'no_capacity',
    });
  });
});
