/// <reference path="../../test/support/parse-prometheus-text-format.d.ts" />
import { env, exports } from 'cloudflare:workers';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { describe, expect, it, vi } from 'vitest';
import { errorEnvelopeSchema } from '../../shared/index.ts';
import { parseTraceparent } from '../../shared/trace-context.ts';
import { fleetRegistryOf } from '../fleet/fleet-registry-stub.ts';
import { operatorAuthorization, registerTenantCallers } from '../testing/tenant-callers.ts';
import { poolInput, providerInput } from '../testing/test-inputs.ts';
import { adminStatsSchema } from './stats-schema.ts';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
/** Generous: the isolate's flush and the aggregator's write run after the response. */
const POLL_LIMIT_MS = 20_000;

function get(path: string, authorization?: string) {
  return exports.default.fetch(`http://edge.test${path}`, {
    headers: authorization === undefined ? {} : { authorization },
  });
}

/** A generation no pool can serve (this test registers none): a counted error. */
async function failingGeneration(apiKey: string, requestId: string) {
  return exports.default.fetch('http://edge.test/v1/images/generations', {
    method: 'POST',
    headers: {
      authorization: apiKey,
      'content-type': 'application/json',
      'x-request-id': requestId,
      traceparent: `00-${TRACE_ID}-b7ad6b7169203331-01`,
    },
    body: JSON.stringify({ prompt: 'a lighthouse', model: 'no-such-model' }),
  });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + POLL_LIMIT_MS;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('observability routes: operator only', () => {
  for (const path of ['/v1/admin/stats', '/v1/admin/metrics']) {
    it(`${path}: refuses a caller without a token (401) and a tenant key (403)`, async () => {
      const anonymous = await get(path);
      expect(anonymous.status).toBe(401);
      expect(errorEnvelopeSchema.parse(await anonymous.json()).error.code).toBe('missing_credentials');
      const tenant = await registerTenantCallers(env, `obs-${crypto.randomUUID().slice(0, 8)}`);
      const refused = await get(path, tenant.apiKey);
      expect(refused.status).toBe(403);
      expect(errorEnvelopeSchema.parse(await refused.json()).error.code).toBe('insufficient_scope');
    });
  }

  it('metrics: a pool that never reported shows its health, not a load it never measured', async () => {
    const admin = await operatorAuthorization(env);
    // A gpu-node pool registered straight in the registry: it never sends a heartbeat here.
    const registry = fleetRegistryOf(env);
    await registry.putProvider(providerInput({ id: 'metrics-co', protocol: 'gpu-node' }));
    await registry.putPool(await poolInput({ id: 'metrics-silent', provider_id: 'metrics-co' }));
    const text = await (await get('/v1/admin/metrics', admin)).text();
    const families = parsePrometheusTextFormat(text);
    const samplesOf = (name: string) =>
      (families.find((family) => family.name === name)?.metrics ?? []).filter(
        (metric) => 'labels' in metric && metric.labels?.pool === 'metrics-silent',
      );
    expect(samplesOf('spillway_pool_health')).toHaveLength(1);
    for (const name of ['spillway_pool_queued', 'spillway_pool_running', 'spillway_pool_slots']) {
      expect([name, samplesOf(name)]).toEqual([name, []]);
    }
  });

  it('openapi: both routes are documented under the operator scheme', async () => {
    const document = (await (await get('/openapi.json')).json()) as {
      paths: Record<string, { get?: { security?: unknown } }>;
    };
    for (const path of ['/v1/admin/stats', '/v1/admin/metrics']) {
      expect(document.paths[path]?.get?.security).toEqual([{ operatorBearer: [] }]);
    }
  });
});

describe('observability routes: a request shows up in the stats and metrics', () => {
  it('stats: a failed generation is counted by tier and error, with its request id', async () => {
    const tenant = await registerTenantCallers(env, `obs-${crypto.randomUUID().slice(0, 8)}`);
    const requestId = `obs-${crypto.randomUUID()}`;
    const answer = await failingGeneration(tenant.apiKey, requestId);
    expect(answer.status).toBe(404);
    // The response continues the client's trace under the edge's own span.
    const echoed = parseTraceparent(answer.headers.get('traceparent'));
    expect(echoed?.traceId).toBe(TRACE_ID);
    expect(echoed?.parentId).not.toBe('b7ad6b7169203331');

    const operator = await operatorAuthorization(env);
    const stats = await until(
      async () => adminStatsSchema.parse(await (await get('/v1/admin/stats', operator)).json()),
      (body) => body.recent_errors.some((error) => error.request_id === requestId),
    );
    expect(stats.window_s).toBe(60);
    expect(Math.abs(stats.generated_at - Date.now())).toBeLessThan(60_000);
    expect(stats.recent_errors.find((error) => error.request_id === requestId)).toMatchObject({
      code: 'model_not_found',
      status: 404,
      pool_id: null,
    });
    expect(stats.requests_by_tier.paid?.errors).toBeGreaterThanOrEqual(1);
    expect(stats.errors_by_type.model_not_found).toBeGreaterThanOrEqual(1);

    const metrics = await get('/v1/admin/metrics', operator);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const families = parsePrometheusTextFormat(await metrics.text());
    const requests = families.find((family) => family.name === 'spillway_requests_total');
    expect(requests?.type).toBe('COUNTER');
    const counted = requests?.metrics.find(
      (sample) => sample.labels?.code === 'model_not_found' && sample.labels?.tier === 'paid',
    );
    expect(Number(counted?.value)).toBeGreaterThanOrEqual(1);
    expect(families.find((family) => family.name === 'spillway_request_duration_seconds')?.type).toBe(
      'HISTOGRAM',
    );
  });

  it('traceparent: an invalid header gets a new trace, echoed on any route', async () => {
    const answer = await exports.default.fetch('http://edge.test/healthz', {
      headers: { traceparent: `00-${'0'.repeat(32)}-b7ad6b7169203331-01` },
    });
    const echoed = parseTraceparent(answer.headers.get('traceparent'));
    expect(echoed).not.toBeNull();
    expect(echoed?.traceId).not.toBe('0'.repeat(32));
  });

  it('log: one line per generation with its facts, never its prompt or credential', async () => {
    const tenant = await registerTenantCallers(env, `obs-${crypto.randomUUID().slice(0, 8)}`);
    const requestId = `obs-${crypto.randomUUID()}`;
    const prompt = `secret-prompt-${crypto.randomUUID()}`;
    const lines: string[] = [];
    // A refusal's line is a warning: written with console.warn, as Workers Logs file it.
    const spies = (['log', 'warn', 'error'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation((line: unknown) => {
        lines.push(`${method} ${String(line)}`);
      }),
    );
    try {
      await exports.default.fetch('http://edge.test/v1/images/generations', {
        method: 'POST',
        headers: {
          authorization: tenant.apiKey,
          'content-type': 'application/json',
          'x-request-id': requestId,
        },
        body: JSON.stringify({ prompt, model: 'no-such-model' }),
      });
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    const mine = lines.filter((line) => line.includes(requestId));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(/^warn /);
    const entry = JSON.parse(mine[0]?.slice('warn '.length) ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({
      level: 'warn',
      msg: 'request',
      route: 'generation',
      request_id: requestId,
      tenant: tenant.tenantId,
      tier: 'paid',
      model: 'no-such-model',
      pool: null,
      attempts: 0,
      hedged: false,
      status: 404,
      error_code: 'model_not_found',
    });
    expect(entry.trace_id).toMatch(/^[0-9a-f]{32}$/);
    expect(typeof entry.latency_ms).toBe('number');
    const all = lines.join('\n');
    expect(all).not.toContain(prompt);
    expect(all).not.toContain(tenant.apiKey.replace('Bearer ', ''));
  });
});
