import { Hono } from 'hono';
import type { PoolContext, PoolEnv } from '../pool-context.ts';

/** `GET /v1/telemetry`: the shared telemetry report. */
export function telemetryRoutes(pool: PoolContext): Hono<PoolEnv> {
  return new Hono<PoolEnv>().get('/v1/telemetry', (context) => context.json(pool.telemetry()));
}

/** `GET /metrics`: Prometheus text exposition. */
export function metricsRoutes(pool: PoolContext): Hono<PoolEnv> {
  return new Hono<PoolEnv>().get('/metrics', async (context) => {
    const body = await pool.metrics.registry.metrics();
    return context.body(body, 200, { 'content-type': pool.metrics.registry.contentType });
  });
}
