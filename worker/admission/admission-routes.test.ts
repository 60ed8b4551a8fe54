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

function generate(model = 'no-such-model', callers = tenant, n?: number) {
  return exports.default.fetch('http://edge.test/v1/images/generations', {
    method: 'POST',
    headers: { authorization: callers.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ prompt: 'a fox', model, ...(n === undefined ? {} : { n }) }),
  });
}

/** The `r` of one policy in a `RateLimit` header. */
function remainingOf(response: Response, policy: 'requests' | 'images'): number {
  const match = new RegExp(`"${policy}";r=(\\d+)`).exec(response.headers.get('ratelimit') ?? '');
  return Number(match?.[1] ?? Number.NaN);
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

  it("limits: a raise applies on the tenant's next request, and what it used this minute stays used", async () => {
    const raised = await registerTenantCallers(env, 'raised-tenant');
    await limits('PUT', raised.tenantId, { requests_per_minute: 6 });
    for (let sent = 0; sent < 6; sent += 1) {
      expect(await statusAndCode(await generate('no-such-model', raised))).toBe('404 model_not_found');
    }
    expect(await statusAndCode(await generate('no-such-model', raised))).toBe('429 rate_limited');
    await limits('PUT', raised.tenantId, { requests_per_minute: 60 });
    // Before, the isolate went on refusing by the old limit until its Retry-After, and the limiter
    // then read the 6 used as a minute's worth at 60: 10 left, not 54.
    const next = await generate('no-such-model', raised);
    expect(next.status).toBe(404);
    expect(next.headers.get('ratelimit-policy')).toContain('"requests";q=60;w=60');
    expect(remainingOf(next, 'requests')).toBeGreaterThanOrEqual(53);
    expect(remainingOf(next, 'requests')).toBeLessThanOrEqual(54);
    await next.arrayBuffer();
  });

  it('limits: a lowered images limit applies on the next request, in its refusal and its headers', async () => {
    const lowered = await registerTenantCallers(env, 'lowered-tenant');
    await limits('PUT', lowered.tenantId, { images_per_minute: 10 });
    expect(await statusAndCode(await generate('no-such-model', lowered, 10))).toBe('404 model_not_found');
    expect(await statusAndCode(await generate('no-such-model', lowered, 1))).toBe('429 rate_limited');
    await limits('PUT', lowered.tenantId, { images_per_minute: 3 });
    const refused = await generate('no-such-model', lowered, 1);
    expect(refused.status).toBe(429);
    expect(errorEnvelopeSchema.parse(await refused.json()).error.message).toContain('3 images per minute');
    expect(refused.headers.get('ratelimit-policy')).toContain('"images";q=3;qu="images";w=60');
  });

  it('admission: a request larger than the whole images limit is refused for good, and takes none of the quota', async () => {
    const greedy = await registerTenantCallers(env, 'greedy-tenant');
    await limits('PUT', greedy.tenantId, { images_per_minute: 3 });
    const tooMany = await generate('no-such-model', greedy, 4);
    expect(tooMany.status).toBe(400);
    // No wait admits it: no Retry-After, and not a 429 that clients retry.
    expect(tooMany.headers.get('retry-after')).toBeNull();
    const body = errorEnvelopeSchema.parse(await tooMany.json());
    expect(body.error).toMatchObject({ code: 'invalid_request', type: 'invalid_request_error', param: 'n' });
    expect(body.error.message).toContain('4');
    expect(body.error.message).toContain('3 images per minute');
    // Before, it answered 429 with Retry-After: 60, and the tenant was refused everything for that minute.
    const fits = await generate('no-such-model', greedy, 1);
    expect(await statusAndCode(fits)).toBe('404 model_not_found');
    expect(remainingOf(fits, 'images')).toBe(2);
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
