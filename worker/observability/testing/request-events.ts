import type { RequestEvent } from '../request-event.ts';

/** A finished sync generation served by pool-a; fields overridable. */
export function requestEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  return {
    at: 1_700_000_000_000,
    requestId: 'req-1',
    route: 'generation',
    tenantId: 'acme',
    tier: 'paid',
    model: 'spillway-tiny',
    poolId: 'pool-a',
    providerId: 'provider-a',
    attempts: [{ poolId: 'pool-a', providerId: 'provider-a', outcome: 'ok' }],
    hedged: false,
    status: 200,
    code: null,
    latencyMs: 100,
    work: 1.2,
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    ...overrides,
  };
}
