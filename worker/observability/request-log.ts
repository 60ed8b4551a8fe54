import { type ErrorCode, errorCatalog, roundWorkFigure } from '../../shared/index.ts';
import { outcomeClassOf, type RequestEvent } from './request-event.ts';

/** The levels of a request's log line, least severe first (`LOG_LEVEL` picks the least written). */
export const REQUEST_LOG_LEVELS = ['info', 'warn', 'error'] as const;

/** A request log line's level. */
export type RequestLogLevel = (typeof REQUEST_LOG_LEVELS)[number];

/**
 * The level of an event's line: errors for 5xx, warnings for any other refusal, shedding (503
 * `overloaded_error`: the edge doing its job under load) included; a cancel is only information.
 */
export function requestLogLevel(event: RequestEvent): RequestLogLevel {
  if (outcomeClassOf(event) === 'canceled') return 'info';
  if (event.status >= 500 && !isShed(event.code)) return 'error';
  return event.code !== null || event.status >= 400 ? 'warn' : 'info';
}

function isShed(code: string | null): boolean {
  return (
    code !== null &&
    Object.hasOwn(errorCatalog, code) &&
    errorCatalog[code as ErrorCode].type === 'overloaded_error'
  );
}

/**
 * The structured log line of one event: ids, who, where it went and how it ended. Never a prompt,
 * an image or a credential (the event holds none).
 */
export function requestLogLine(
  event: RequestEvent,
  level: RequestLogLevel = requestLogLevel(event),
): Record<string, unknown> {
  return {
    level,
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

/**
 * Writes the log line (one JSON object on one line: Workers Logs and `wrangler tail` parse it) when
 * its level is at least `least`. A line costs the isolate's thread more than the rest of the
 * event's bookkeeping together (bench/edge `no-observability`), so a busy edge may keep only problems.
 */
export function logRequest(event: RequestEvent, least: RequestLogLevel = 'info'): void {
  const level = requestLogLevel(event);
  if (REQUEST_LOG_LEVELS.indexOf(level) < REQUEST_LOG_LEVELS.indexOf(least)) return;
  // The console method carries the level too: Workers Logs and `wrangler tail` filter on it.
  const write = level === 'error' ? console.error : level === 'warn' ? console.warn : console.log;
  write(JSON.stringify(requestLogLine(event, level)));
}
