import type { RequestEvent } from './request-event.ts';

/**
 * The Analytics Engine data point of one event (dataset `spillway_requests`, docs/observability.md):
 * - index1: tenant id ('' when unauthenticated): the sampling key, so one tenant's flood is sampled
 *   on its own;
 * - blobs: route, tier, model, pool_id, provider_id, error code, request_id, trace_id, tenant_id
 *   ('' for none);
 * - doubles: status, latency_ms, attempts, hedged (0/1), work (megapixel-steps, 0 unknown).
 * Positions are the schema: add new fields at the end only.
 */
export function dataPointOf(event: RequestEvent): AnalyticsEngineDataPoint {
  return {
    indexes: [event.tenantId ?? ''],
    blobs: [
      event.route,
      event.tier ?? '',
      event.model ?? '',
      event.poolId ?? '',
      event.providerId ?? '',
      event.code ?? '',
      event.requestId,
      event.traceId,
      event.tenantId ?? '',
    ],
    doubles: [event.status, event.latencyMs, event.attempts.length, event.hedged ? 1 : 0, event.work ?? 0],
  };
}

/**
 * Writes an event's data point; a missing binding (a deployment without the dataset) or a write
 * that throws costs the data point, never the request.
 */
export function writeDataPoint(dataset: AnalyticsEngineDataset | undefined, event: RequestEvent): void {
  if (!dataset) return;
  try {
    dataset.writeDataPoint(dataPointOf(event));
  } catch (error) {
    console.warn(
      JSON.stringify({ level: 'warn', msg: 'analytics data point dropped', reason: String(error) }),
    );
  }
}
