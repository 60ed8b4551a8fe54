import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTimingDurations } from '../../bench/overload/latency-split.ts';
import type { LocalStack } from '../../scripts/local-stack/local-stack.ts';
import {
  gpuNodeFlags,
  type PoolStarter,
  spawnPoolProcess,
  stopProcess,
} from '../../scripts/local-stack/pool-process.ts';
import { parseTraceparent } from '../../shared/trace-context.ts';
import { startTestStack, waitForTelemetry } from './edge-stack.ts';

/** A bound for what never comes (stats flushed about once a second), not an expected duration. */
const WAIT_LIMIT_MS = 30_000;
const GENERATIONS = 3;

/** Every stdout line of the stack's pool processes, by pool id. */
const poolLines = new Map<string, string[]>();

/** A real gpu-node process, as the stack starts it, whose log lines this test keeps. */
const loggedPool: PoolStarter = async (settings) => {
  const started = await spawnPoolProcess('gpu-node/main.ts', gpuNodeFlags(settings));
  const lines: string[] = [];
  poolLines.set(settings.poolId, lines);
  const { stdout } = started.process;
  if (stdout) createInterface({ input: stdout }).on('line', (line) => lines.push(line));
  return {
    url: started.url,
    pid: started.process.pid ?? null,
    process: started.process,
    stop: () => stopProcess(started.process),
  };
};

let stack: LocalStack;

beforeAll(async () => {
  stack = await startTestStack({ startPool: { 'pool-a': loggedPool, 'pool-b': loggedPool } });
  await waitForTelemetry(stack);
}, 180_000);
afterAll(async () => {
  await stack?.stop();
});

async function poll<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  let value = await read();
  while (!done(value)) {
    if (Date.now() > deadline) throw new Error(`never saw ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    value = await read();
  }
  return value;
}

function operatorGet(path: string): Promise<Response> {
  return fetch(`${stack.edgeUrl}${path}`, { headers: { authorization: `Bearer ${stack.operatorToken}` } });
}

function sumOf(family: PrometheusFamily | undefined, match: (labels: Record<string, string>) => boolean) {
  return (family?.metrics ?? [])
    .filter((sample) => match(sample.labels ?? {}))
    .reduce((sum, sample) => sum + Number(sample.value ?? 0), 0);
}

describe('observability on the local stack: stats, metrics and one trace across edge and pool', () => {
  it('generations show in /v1/admin/stats and /v1/admin/metrics, and their trace id in the pool’s log', async () => {
    const served: Array<{ traceId: string; pool: string }> = [];
    for (let index = 0; index < GENERATIONS; index++) {
      const traceId = randomBytes(16).toString('hex');
      const response = await fetch(`${stack.edgeUrl}/v1/images/generations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${stack.apiKey}`,
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
        },
        body: JSON.stringify({ prompt: 'a lighthouse at dusk', size: '64x64', steps: 2 }),
      });
      expect(response.status).toBe(200);
      await response.arrayBuffer();
      expect(parseTraceparent(response.headers.get('traceparent'))?.traceId).toBe(traceId);
      const pool = response.headers.get('x-spillway-pool');
      expect(pool === 'pool-a' || pool === 'pool-b').toBe(true);
      served.push({ traceId, pool: pool ?? '' });
      // Where the time went: the pool's own queue and compute, and the edge's whole time around them.
      const timing = Object.fromEntries(serverTimingDurations(response.headers.get('server-timing') ?? ''));
      expect(timing['pool-compute']).toBeGreaterThan(0);
      expect(timing.total).toBeGreaterThanOrEqual(
        (timing['pool-queue'] ?? 0) + (timing['pool-compute'] ?? 0) - 0.2,
      );
      expect(timing['outside-pool']).toBeGreaterThanOrEqual(0);
      // Its part before the pool call: limits and routing, no wait on an idle fleet beyond them.
      expect(timing['edge-admission']).toBeGreaterThanOrEqual(0);
      expect(timing['edge-admission']).toBeLessThanOrEqual((timing['outside-pool'] ?? 0) + 0.2);
    }

    // Stats: by the stack tenant's tier (paid) and by the pools that served them.
    const stats = await poll(
      `${GENERATIONS} served generations in the stats`,
      async () => (await operatorGet('/v1/admin/stats')).json() as Promise<Record<string, unknown>>,
      (body) => {
        const paid = (body.requests_by_tier as Record<string, { ok: number }> | undefined)?.paid;
        return (paid?.ok ?? 0) >= GENERATIONS;
      },
    );
    const routing = stats.routing as Array<{ pool_id: string; provider_id: string; requests: number }>;
    for (const pool of new Set(served.map((entry) => entry.pool))) {
      const expected = served.filter((entry) => entry.pool === pool).length;
      const row = routing.find((entry) => entry.pool_id === pool);
      expect(row?.requests).toBeGreaterThanOrEqual(expected);
      expect(row?.provider_id).toBe(pool === 'pool-a' ? 'provider-a' : 'provider-b');
    }
    const latency = stats.latency_ms as { p50: number | null; p99: number | null };
    expect(latency.p50).toBeGreaterThan(0);
    expect(latency.p99 ?? 0).toBeGreaterThanOrEqual(latency.p50 ?? 0);

    // Metrics: parseable, the requests counted, the fleet's gauges for both pools.
    const metrics = await operatorGet('/v1/admin/metrics');
    expect(metrics.status).toBe(200);
    const families = parsePrometheusTextFormat(await metrics.text());
    const family = (name: string) => families.find((candidate) => candidate.name === name);
    const counted = sumOf(
      family('spillway_requests_total'),
      (labels) => labels.route === 'generation' && labels.status === '200' && labels.tier === 'paid',
    );
    expect(counted).toBeGreaterThanOrEqual(GENERATIONS);
    for (const pool of ['pool-a', 'pool-b']) {
      expect(sumOf(family('spillway_pool_slots'), (labels) => labels.pool === pool)).toBeGreaterThan(0);
      expect(sumOf(family('spillway_pool_healthy'), (labels) => labels.pool === pool)).toBe(1);
      const age = family('spillway_pool_telemetry_age_seconds')?.metrics.find(
        (sample) => sample.labels?.pool === pool,
      );
      expect(Number(age?.value)).toBeGreaterThanOrEqual(0);
    }
    expect(family('spillway_request_duration_seconds')?.type).toBe('HISTOGRAM');
    // Each admitted by its tenant's limiter or from permits its isolate leased with an earlier one.
    const admitted = (source: string) =>
      sumOf(
        family('spillway_admissions_total'),
        (labels) => labels.tier === 'paid' && labels.source === source,
      );
    expect(admitted('limiter') + admitted('held')).toBeGreaterThanOrEqual(GENERATIONS);

    // The pool that served each generation logged its request with the client's trace id.
    for (const { traceId, pool } of served) {
      const line = await poll(
        `trace ${traceId} in ${pool}'s log`,
        async () => (poolLines.get(pool) ?? []).find((candidate) => candidate.includes(traceId)),
        (found) => found !== undefined,
      );
      const entry = JSON.parse(line ?? '{}') as Record<string, unknown>;
      expect(entry.trace_id).toBe(traceId);
      expect(entry.path).toBe('/v1/generate');
    }
  }, 120_000);

  it('a job’s submission and its dispatch are counted, the dispatch by the pool that ran it, in the client’s trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const submitted = await fetch(`${stack.edgeUrl}/v1/jobs`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ prompt: 'a harbour in fog', size: '64x64', steps: 2 }),
    });
    expect(submitted.status).toBe(202);
    expect(parseTraceparent(submitted.headers.get('traceparent'))?.traceId).toBe(traceId);
    const { id } = (await submitted.json()) as { id: string };
    await poll(
      `job ${id} to succeed`,
      async () => {
        const job = await fetch(`${stack.edgeUrl}/v1/jobs/${id}`, {
          headers: { authorization: `Bearer ${stack.apiKey}` },
        });
        return ((await job.json()) as { status: string }).status;
      },
      (status) => status === 'succeeded',
    );
    const routed = await poll(
      'the job dispatch in the metrics',
      async () => parsePrometheusTextFormat(await (await operatorGet('/v1/admin/metrics')).text()),
      (families) =>
        sumOf(
          families.find((family) => family.name === 'spillway_requests_total'),
          (labels) => labels.route === 'job_dispatch' && labels.status === '200',
        ) >= 1,
    );
    const requests = routed.find((family) => family.name === 'spillway_requests_total');
    expect(
      sumOf(requests, (labels) => labels.route === 'job_submit' && labels.tier === 'paid'),
    ).toBeGreaterThanOrEqual(1);
    const dispatched = requests?.metrics.find(
      (sample) => sample.labels?.route === 'job_dispatch' && sample.labels?.status === '200',
    );
    expect(['pool-a', 'pool-b']).toContain(dispatched?.labels?.pool);
    // The queue consumer's call continued the submission's trace: the pool logged its trace id.
    await poll(
      `job trace ${traceId} in a pool's log`,
      async () => [...poolLines.values()].flat().find((line) => line.includes(traceId)),
      (found) => found !== undefined,
    );
  }, 120_000);
});
