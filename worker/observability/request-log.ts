import { roundWorkFigure } from '../../shared/index.ts';
import type { RequestEvent } from './request-event.ts';

/**
 * The structured log line of one event: ids, who, where it went and how it ended. Never a prompt,
 * an image or a credential (the event holds none).
 */
export function requestLogLine(event: RequestEvent): Record<string, unknown> {
  return {
    level: event.status >= 500 ? 'error' : event.code !== null ? 'warn' : 'info',
    msg: event.route === 'job_dispatch' ? 'job dispatch' : 'request',
    route: event.route,
    request_id: event.requestId,
    trace_id: event.traceId,
    tenant: event.tenantId,
    tier: event.tier,
    model: event.model,
    pool: event.poolId,
    provider: event.providerId,
    attempts: event.attempts.length,
    attempt_outcomes: event.attempts.map(({ poolId, outcome }) => `${poolId}:${outcome}`),
    hedged: event.hedged,
    status: event.status,
    error_code: event.code,
    latency_ms: event.latencyMs,
    work: event.work === null ? null : roundWorkFigure(event.work),
  };
}

/** Writes the log line (one JSON object on one line: Workers Logs and `wrangler tail` parse it). */
export function logRequest(event: RequestEvent): void {
  console.log(JSON.stringify(requestLogLine(event)));
}
