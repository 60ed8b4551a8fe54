import { env, exports } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorEnvelopeSchema, tenantLimitsRecordSchema } from '../../shared/index.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { type HeartbeatKey, heartbeatKey } from '../fleet/testing/signed-heartbeats.ts';
import {
  operatorAuthorization,
  registerTenantCallers,
  type TenantCallers,
} from '../testing/tenant-callers.ts';
import { poolInput, providerInput, telemetryReport } from '../testing/test-inputs.ts';
import { DEFAULT_TIER_LIMITS } from './tier-limits.ts';

let tenant: TenantCallers;
let shedTenant: TenantCallers;
let fullPoolKey: HeartbeatKey;
let operator = '';
beforeAll(async () => {
  // A pool of its own model, which reports itself full for minutes (`reportFull`).
  const registry = fleetRegistryOf(env);
  fullPoolKey = await heartbeatKey();
  await registry.putProvider(providerInput({ id: 'full-provider' }));
  const stored = await registry.putPool(
    await poolInput({
      id: 'full-pool',
      provider_id: 'full-provider',
      models: ['full-model'],
      public_key: fullPoolKey.publicKey,
    }),
  );
  expect(stored.ok).toBe(true);
  tenant = await registerTenantCallers(env, 'limited-tenant');
  shedTenant = await registerTenantCallers(env, 'shed-tenant');
  operator = await operatorAuthorization(env);
});

function limits(method: 'GET' | 'PUT', tenantId: string, body?: object) {
  return exports.default.fetch(`http://edge.test/v1/admin/tenants/${tenantId}/limits`, {
    method,
    headers: { authorization: operator, 'content-type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

function generate(model = 'no-such-model', callers = tenant) {
  return exports.default.fetch('http://edge.test/v1/images/generations', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a fox', model }),
  });
}

/** The full pool's heartbeat: a minute's work for each of its slots, and 64 requests queued. */
async function reportFull(): Promise<void> {
  const full = telemetryReport({
    pool_id: 'full-pool',
    timestamp: Date.now(),
    models: [{ name: 'full-model', sizes: ['64x64'], default_size: '64x64', default_steps: 1, max_steps: 1 }],
    running: 8,
    queued: 64,
    ewma_job_ms: 60_000,
  });
  const beat = await exports.default.fetch('http://edge.test/v1/pools/full-pool/telemetry', {
    method: 'POST',
    headers: { 'content-type': 'application/jwt' },
    body: await fullPoolKey.sign('full-pool', full),
  });
  expect(beat.status).toBe(204);
}

async function statusAndCode(response: Response): Promise<string> {
  return `${response.status} ${errorEnvelopeSchema.parse(await response.json()).error.code}`;
}

describe('admission by tenant', () => {
  it('limits: a tenant starts on its tier defaults; an override applies, null goes back to the default', async () => {
    const initial = tenantLimitsRecordSchema.parse(await (await limits('GET', tenant.tenantId)).json());
    expect(initial.limits).toEqual(DEFAULT_TIER_LIMITS.paid);
    const changed = await limits('PUT', tenant.tenantId, { concurrent_generations: 3 });
    expect(changed.status).toBe(200);
    const record = tenantLimitsRecordSchema.parse(await changed.json());
    expect(record.limits.concurrent_generations).toBe(3);
    expect(record.overrides).toEqual({
      requests_per_minute: null,
      images_per_minute: null,
      concurrent_generations: 3,
    });
    const reset = tenantLimitsRecordSchema.parse(
      await (await limits('PUT', tenant.tenantId, { concurrent_generations: null })).json(),
    );
    expect(reset.limits).toEqual(DEFAULT_TIER_LIMITS.paid);
  });

  it('limits: an unknown tenant is 404 and a malformed change 400, both in the envelope', async () => {
    const unknown = await limits('GET', 'nobody-here');
    expect([unknown.status, errorEnvelopeSchema.parse(await unknown.json()).error.code]).toEqual([
      404,
      'not_found',
    ]);
    const malformed = await limits('PUT', tenant.tenantId, { requests_per_minute: -3, surprise: true });
    expect(malformed.status).toBe(400);
    errorEnvelopeSchema.parse(await malformed.json());
  });

  it('admission: past its requests per minute a tenant gets 429 with Retry-After and RateLimit headers', async () => {
    await limits('PUT', tenant.tenantId, { requests_per_minute: 2 });
    const admitted = [await generate(), await generate()];
    for (const response of admitted) {
      expect(response.status).not.toBe(429);
      expect(response.headers.get('ratelimit-policy')).toContain('"requests";q=2;w=60');
      // Each quota in its unit: images and concurrent requests are not requests.
      expect(response.headers.get('ratelimit-policy')).toMatch(/"images";q=\d+;qu="images";w=60/);
      expect(response.headers.get('ratelimit-policy')).toMatch(
        /"concurrency";q=\d+;qu="concurrent-requests"$/,
      );
      expect(response.headers.get('ratelimit')).toMatch(/"concurrency";r=\d+$/);
      await response.arrayBuffer();
    }
    expect(admitted[1]?.headers.get('ratelimit')).toContain('"requests";r=0;');
    const refused = await generate();
    expect(refused.status).toBe(429);
    const body = errorEnvelopeSchema.parse(await refused.json());
    expect(body.error).toMatchObject({ code: 'rate_limited', type: 'rate_limit_error' });
    expect(body.error.message).toContain('2 requests per minute');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    expect(refused.headers.get('ratelimit')).toMatch(/"requests";r=0;t=\d+/);
    await limits('PUT', tenant.tenantId, { requests_per_minute: null });
  });

  it('admission: a job replayed under its Idempotency-Key costs no quota, and naming the default model is the same job', async () => {
    const replaying = await registerTenantCallers(env, 'replaying-tenant');
    await limits('PUT', replaying.tenantId, { requests_per_minute: 1 });
    const submit = (key: string, body: object) =>
      exports.default.fetch('http://edge.test/v1/jobs', {
        method: 'POST',
        headers: {
          authorization: replaying.apiKey,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify(body),
      });
    const first = await submit('order-1', { prompt: 'a fox' });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    // Over the limit of one request a minute, yet each replay answers the job already made.
    const spelledOut = [
      { prompt: 'a fox' },
      { prompt: 'a fox', model: 'spillway-tiny', n: 1 },
      { prompt: 'a fox', size: 'auto' },
    ];
    for (const body of spelledOut) {
      const replay = await submit('order-1', body);
      expect([replay.status, replay.headers.get('idempotent-replayed')]).toEqual([202, 'true']);
      expect(((await replay.json()) as { id: string }).id).toBe(id);
    }
    expect(await statusAndCode(await submit('order-1', { prompt: 'an owl' }))).toBe(
      '422 idempotency_key_mismatch',
    );
    // A new job is counted: the one request of the minute was the first submission.
    expect(await statusAndCode(await submit('order-2', { prompt: 'a fox' }))).toBe('429 rate_limited');
  });

  it("admission: a request shed for want of room takes none of its tenant's quota", async () => {
    await limits('PUT', shedTenant.tenantId, { requests_per_minute: 1 });
    await reportFull();
    for (let sent = 0; sent < 3; sent += 1) {
      const shed = await generate('full-model', shedTenant);
      expect(await statusAndCode(shed)).toBe('503 no_capacity');
      expect(Number(shed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // The one request of the minute is still there; an unknown model counts, so the next is refused.
    expect(await statusAndCode(await generate('no-such-model', shedTenant))).toBe('404 model_not_found');
    expect(await statusAndCode(await generate('full-model', shedTenant))).toBe('429 rate_limited');
  });

  it('admission: concurrent generations hold a slot each until released; a lost release expires', async () => {
    const limiter = env.LIMITS.getByName('tenant:slots-tenant');
    await limiter.setOverrides({ concurrent_generations: 1 });
    const defaults = DEFAULT_TIER_LIMITS.paid;
    const first = await limiter.acquire({ defaults, images: 1, leaseMs: 60_000 });
    expect(first.ok).toBe(true);
    const second = await limiter.acquire({ defaults, images: 1, leaseMs: 60_000 });
    expect(second).toMatchObject({ ok: false, limit: 'concurrency' });
    if (first.ok && first.leaseId) await limiter.release(first.leaseId);
    const third = await limiter.acquire({ defaults, images: 1, leaseMs: 1 });
    expect(third.ok).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect((await limiter.acquire({ defaults, images: 1, leaseMs: 60_000 })).ok).toBe(true);
    // An async job (no lease) is not held back by the slots.
    expect((await limiter.acquire({ defaults, images: 1, leaseMs: null })).ok).toBe(true);
  });

  it('admission: a release riding on the next request frees its slot before that request is judged', async () => {
    const limiter = env.LIMITS.getByName('tenant:ride-tenant');
    await limiter.setOverrides({ concurrent_generations: 1 });
    const defaults = DEFAULT_TIER_LIMITS.paid;
    const first = await limiter.acquire({ defaults, images: 1, leaseMs: 60_000 });
    if (!first.ok || !first.leaseId) throw new Error('first request refused');
    expect((await limiter.acquire({ defaults, images: 1, leaseMs: 60_000 })).ok).toBe(false);
    const next = await limiter.acquire({ defaults, images: 1, leaseMs: 60_000 }, [first.leaseId]);
    expect(next).toMatchObject({ ok: true, remaining: { concurrency: 0 } });
  });

  it('admission: images per minute count n, so one big request can exhaust them', async () => {
    const limiter = env.LIMITS.getByName('tenant:images-tenant');
    await limiter.setOverrides({ images_per_minute: 10 });
    const defaults = DEFAULT_TIER_LIMITS.paid;
    expect((await limiter.acquire({ defaults, images: 8, leaseMs: null })).ok).toBe(true);
    const refused = await limiter.acquire({ defaults, images: 4, leaseMs: null });
    expect(refused).toMatchObject({ ok: false, limit: 'images', remaining: { images: 2 } });
  });
});
