import app from './app.ts';
import type { Env } from './env.ts';
import { consumeJobBatch } from './jobs/job-consumer.ts';

export { FleetRegistry } from './objects/fleet-registry.ts';
export { JobObject } from './objects/job-object.ts';
export { TenantDirectory } from './objects/tenant-directory.ts';
export { WaitingRoom } from './objects/waiting-room.ts';

/** The edge Worker: the Hono app for HTTP, and the consumer of the job queue. */
export default {
  fetch: app.fetch,
  queue: consumeJobBatch,
} satisfies ExportedHandler<Env>;
