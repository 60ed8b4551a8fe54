import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { poolInputSchema } from '../../shared/index.ts';
import { freshRegistry } from '../testing/registry-fixtures.ts';
import { poolInput, providerInput } from '../testing/test-inputs.ts';
import { OBSERVED_REPORT_VERSION } from './observed-report.ts';
import { toPoolViews } from './pool-views.ts';

/**
 * Runs the registry's next report round now. Registering a pool that pushes none starts the
 * rounds at once, so the first may still be running: wait until the next one is scheduled.
 */
async function reportRound(registry: ReturnType<typeof freshRegistry>): Promise<boolean> {
  for (let tries = 0; tries < 100; tries++) {
    const scheduled = await runInDurableObject(registry, async (_instance, state) =>
      state.storage.getAlarm(),
    );
    if (scheduled !== null) return runDurableObjectAlarm(registry);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

const openAiPool = poolInputSchema.parse({
  id: 'openai-1',
  provider_id: 'openai',
  url: 'https://api.openai.example/v1',
  region: 'us',
  models: ['gpt-image-1'],
  capacity: 4,
  price_per_image: 0.04,
  ms_per_megapixel_step: 25,
  upstream: { model: 'gpt-image-1' },
});

async function registryWithOpenAi() {
  const registry = freshRegistry('federated-test');
  const put = await registry.putProvider({
    ...providerInput({ id: 'openai', name: 'OpenAI', protocol: 'openai-compatible', credentials_ref: null }),
    credentials_sealed: 'v1.sealed.value',
  });
  if (!put.ok) throw new Error(put.reason);
  const pool = await registry.putPool(openAiPool);
  if (!pool.ok) throw new Error(pool.reason);
  return registry;
}

describe('fleet registry: providers that push no telemetry', () => {
  it('federation: a provider shows its credentials only as "set"; the sealed value goes only into snapshots', async () => {
    const registry = await registryWithOpenAi();
    const [listed] = await registry.listProviders();
    expect(listed).toMatchObject({ id: 'openai', protocol: 'openai-compatible', credentials: 'set' });
    expect(JSON.stringify(await registry.listProviders())).not.toContain('v1.sealed.value');
    const snapshot = await registry.snapshot();
    expect(snapshot.pools[0]?.provider_credential).toBe('v1.sealed.value');
    // Re-posting without credentials keeps them; null removes them.
    await registry.putProvider(
      providerInput({ id: 'openai', name: 'OpenAI 2', protocol: 'openai-compatible', credentials_ref: null }),
    );
    expect((await registry.snapshot()).pools[0]?.provider_credential).toBe('v1.sealed.value');
    await registry.putProvider({
      ...providerInput({
        id: 'openai',
        name: 'OpenAI',
        protocol: 'openai-compatible',
        credentials_ref: null,
      }),
      credentials_sealed: null,
    });
    expect((await registry.listProviders())[0]?.credentials).toBeNull();
  });

  it('federation: a gpu-node pool needs its heartbeat key, other protocols take none', async () => {
    const registry = await registryWithOpenAi();
    const withKey = await registry.putPool({
      ...openAiPool,
      id: 'openai-2',
      public_key: (await poolInput()).public_key,
    });
    expect(withKey).toEqual({ ok: false, reason: 'public_key_unexpected' });
    await registry.putProvider(providerInput());
    const { public_key: _key, ...keyless } = await poolInput();
    expect(await registry.putPool(keyless)).toEqual({ ok: false, reason: 'public_key_required' });
  });

  it('federation: a provider with pools keeps its protocol', async () => {
    const registry = await registryWithOpenAi();
    const changed = await registry.putProvider(
      providerInput({ id: 'openai', name: 'OpenAI', protocol: 'fal' }),
    );
    expect(changed).toEqual({ ok: false, reason: 'protocol_in_use' });
  });

  it('federation: price, declared speed and upstream settings are stored and listed', async () => {
    const registry = await registryWithOpenAi();
    const [pool] = await registry.listPools();
    expect(pool).toMatchObject({
      price_per_image: 0.04,
      ms_per_megapixel_step: 25,
      upstream: { model: 'gpt-image-1' },
    });
    expect(pool && 'public_key' in pool).toBe(false);
  });

  it('federation: the registry writes a report for a pool that pushes none, from every isolate’s in-flight work', async () => {
    const registry = await registryWithOpenAi();
    expect(await reportRound(registry)).toBe(true);
    // Its probe (`GET /v1/models`) cannot reach a host under `.example`: not ready.
    const first = (await registry.snapshot()).pools[0]?.telemetry;
    expect(first).toMatchObject({
      version: OBSERVED_REPORT_VERSION,
      slots: 4,
      running: 0,
      queued: 0,
      ready: false,
    });
    // Two isolates with work there: three and four images, past the capacity of four.
    const summary = (isolateId: string, images: number) => ({
      isolateId,
      pools: [
        {
          poolId: 'openai-1',
          inFlightImages: images,
          completed: 2,
          completedImages: 2,
          failed: 0,
          msPerWorkSum: 2 * 40,
          msPerWorkSamples: 2,
          latencyMsSum: 2 * 1_200,
          imageMegapixelsSum: 2 * 1.05,
        },
      ],
    });
    await registry.snapshot(summary('isolate-a', 3));
    await registry.snapshot(summary('isolate-b', 4));
    expect(await reportRound(registry)).toBe(true);
    const snapshot = await registry.snapshot();
    const report = snapshot.pools[0]?.telemetry;
    expect([report?.running, report?.queued]).toEqual([4, 3]);
    // The measured 40 ms per megapixel-step replaced the declared 25.
    expect(report?.work?.step_curve[0]?.step_ms).toBeCloseTo(40 * 1.05, 6);
    const [view] = toPoolViews(snapshot);
    expect(view?.models).toEqual(['gpt-image-1']);
    expect(view?.reportedAt).not.toBeNull();
    // An isolate whose work ended says so on its next read; the other's stays.
    await registry.snapshot({ isolateId: 'isolate-b', pools: [] });
    expect(await reportRound(registry)).toBe(true);
    const after = (await registry.snapshot()).pools[0]?.telemetry;
    expect([after?.running, after?.queued]).toEqual([3, 0]);
  });

  it('federation: a back-off a pool asked for keeps it suspect until then, and only extends', async () => {
    const registry = await registryWithOpenAi();
    const until = Date.now() + 2_000;
    expect(await registry.reportBackoff('openai-1', until)).toBe(true);
    await registry.reportBackoff('openai-1', until - 1_000);
    expect((await registry.snapshot()).pools[0]?.suspect_until).toBe(until);
    expect(await registry.reportBackoff('nobody', until)).toBe(false);
  });

  it('federation: without pools that push none, the alarm stops', async () => {
    const registry = freshRegistry();
    await registry.putProvider(providerInput());
    await registry.putPool(await poolInput());
    expect(await runDurableObjectAlarm(registry)).toBe(false);
  });
});
