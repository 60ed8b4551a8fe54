export * from './load-headers.ts';
export * from './schemas/error-envelope.ts';
export * from './schemas/generation-request.ts';
export * from './schemas/generation-response.ts';
export * from './schemas/jwt-claims.ts';
export * from './schemas/sse-events.ts';
export * from './schemas/telemetry-report.ts';
export * from './schemas/fleet-admin.ts';
