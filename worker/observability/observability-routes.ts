import { createRoute, z } from '@hono/zod-openapi';
import { adminOperation } from '../admin/admin-operation.ts';
import type { AppEnv } from '../app-env.ts';
import { errorResponses, jsonResponse, mediaResponse, routeGroup } from '../openapi/index.ts';
import { fleetFamilies } from './fleet-metrics.ts';
import { PROMETHEUS_CONTENT_TYPE, prometheusText } from './prometheus-text.ts';
import { requestFamilies } from './request-metrics.ts';
import { statsAggregatorOf } from './stats-aggregator-stub.ts';
import { adminStatsSchema } from './stats-schema.ts';

/** The window `GET /v1/admin/stats` counts over (contract 2 of issue 16). */
export const STATS_WINDOW_S = 60;

const getStats = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/stats',
  operationId: 'getStats',
  summary: 'Request counts, errors, routing mix and latency of the last minute, across isolates',
  responses: {
    200: jsonResponse(adminStatsSchema, 'The last minute.'),
    ...errorResponses('operator', []),
  },
});

const getMetrics = createRoute({
  ...adminOperation,
  method: 'get',
  path: '/v1/admin/metrics',
  operationId: 'getMetrics',
  summary: 'Fleet gauges and request counters in Prometheus text format 0.0.4',
  description: 'For existing scrapers (bearer token auth); docs/observability.md lists the metrics.',
  responses: {
    200: {
      ...mediaResponse(PROMETHEUS_CONTENT_TYPE, { type: 'string' }, 'Prometheus exposition text.'),
      content: { [PROMETHEUS_CONTENT_TYPE]: { schema: z.string() } },
    },
    ...errorResponses('operator', []),
  },
});

/** Operator API: the edge's request stats (JSON) and metrics (Prometheus). */
export const observabilityRoutes = routeGroup<AppEnv>();

observabilityRoutes.openapi(getStats, async (context) => {
  // This isolate's last second goes out first, in this request, so the answer includes it.
  await context.var.deps.observability.stats.flush();
  const body = await statsAggregatorOf(context.env).stats(STATS_WINDOW_S);
  return context.json(adminStatsSchema.parse(body), 200);
});

observabilityRoutes.openapi(getMetrics, async (context) => {
  const { deps } = context.var;
  await deps.observability.stats.flush();
  const [snapshot, totals] = await Promise.all([
    deps.fleet.get((promise) => context.executionCtx.waitUntil(promise)),
    statsAggregatorOf(context.env).totals(),
  ]);
  const health = {
    now: deps.now(),
    telemetryTtlMs: deps.config.routing.telemetryTtlMs,
    ejectedUntil: deps.observations.ejectedUntil,
    refusedAt: deps.observations.refusedAt,
  };
  const text = prometheusText([...fleetFamilies(snapshot, health), ...requestFamilies(totals)]);
  return context.text(text, 200, { 'content-type': PROMETHEUS_CONTENT_TYPE });
});
