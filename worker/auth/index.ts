export * from './api-keys.ts';
export * from './bearer.ts';
export * from './dispatch-token.ts';
export * from './edge-keys.ts';
export * from './heartbeat-token.ts';
export * from './jwt-rejection.ts';
export * from './operator-token.ts';
export * from './tenant-app-token.ts';
