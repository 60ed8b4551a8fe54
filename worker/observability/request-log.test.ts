import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestEvent } from './request-event.ts';
import { logRequest, type RequestLogLevel } from './request-log.ts';

function event(status: number, code: string | null): RequestEvent {
  return {
    at: 0,
    requestId: `req-${status}`,
    route: 'generation',
    tenantId: 'tenant-a',
    tier: 'paid',
    model: 'spillway-tiny',
    poolId: 'pool-a',
    providerId: 'provider-a',
    attempts: [],
    hedged: false,
    status,
    code,
    latencyMs: 12,
    work: 0.5,
    traceId: '0af7651916cd43dd8448eb211c80319c',
  };
}

const served = event(200, null);
const shed = event(503, 'no_capacity');
const refused = event(429, 'rate_limited');
const failed = event(500, 'internal_error');

/** The request ids written, by console method, while `run` runs. */
function written(run: () => void): Record<'log' | 'warn' | 'error', string[]> {
  const lines = { log: [] as string[], warn: [] as string[], error: [] as string[] };
  for (const method of ['log', 'warn', 'error'] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      lines[method].push((JSON.parse(String(line)) as { request_id: string }).request_id);
    });
  }
  run();
  return lines;
}

function logAll(events: readonly RequestEvent[], least: RequestLogLevel): void {
  for (const each of events) logRequest(each, least);
}

describe('request log: LOG_LEVEL', () => {
  afterEach(() => vi.restoreAllMocks());

  it('request log: info writes every line, each through the console method of its level', () => {
    const lines = written(() => logAll([served, refused, shed, failed], 'info'));
    expect(lines).toEqual({ log: ['req-200'], warn: ['req-429', 'req-503'], error: ['req-500'] });
  });

  it('request log: warn keeps refusals (shedding too) and failures, error keeps only failures', () => {
    const all = [served, refused, shed, failed];
    expect(written(() => logAll(all, 'warn'))).toEqual({
      log: [],
      warn: ['req-429', 'req-503'],
      error: ['req-500'],
    });
    vi.restoreAllMocks();
    expect(written(() => logAll(all, 'error'))).toEqual({
      log: [],
      warn: [],
      error: ['req-500'],
    });
  });
});
