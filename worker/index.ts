import { createEdgeWorker } from './edge-worker.ts';

export { TenantLimiter } from './admission/tenant-limiter.ts';
export { FleetRegistry } from './fleet/fleet-registry.ts';
export { JobObject } from './jobs/job-object.ts';
export { WaitingRoom } from './jobs/waiting-room.ts';
export { StatsAggregator } from './observability/stats-aggregator.ts';
export { TenantDirectory } from './tenants/tenant-directory.ts';

/** The edge Worker: the Hono app for HTTP, and the consumer of the job queue. */
export default createEdgeWorker();
