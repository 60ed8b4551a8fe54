import type { JobMessage } from './jobs/job-message.ts';
import type { FleetRegistry } from './objects/fleet-registry.ts';
import type { JobObject } from './objects/job-object.ts';
import type { TenantDirectory } from './objects/tenant-directory.ts';
import type { WaitingRoom } from './objects/waiting-room.ts';

/**
 * Bindings the edge Worker receives from `wrangler.toml` (vars, secrets, Durable Objects).
 * Keep in step with `wrangler.toml`.
 */
export interface Env {
  /** The fleet registry: one object named `fleet` (providers, pools, telemetry). */
  FLEET: DurableObjectNamespace<FleetRegistry>;
  /** The tenant directory: one object named `tenants` (tenants, API key digests). */
  TENANTS: DurableObjectNamespace<TenantDirectory>;
  /** Async jobs: one object per job, named by the job id (state, result, webhook, retention). */
  JOBS: DurableObjectNamespace<JobObject>;
  /** Jobs waiting at the edge for capacity, one object per model (`model:<name>`). */
  WAITING: DurableObjectNamespace<WaitingRoom>;
  /** Producer side of the job queue; the same Worker consumes it (`worker/jobs/job-consumer.ts`). */
  JOB_QUEUE: Queue<JobMessage>;
  /** Generated images behind signed result URLs, under `results/<job or img id>/<index>.png`. */
  RESULTS: R2Bucket;
  /**
   * Secret: the edge's private signing key as a JWK JSON string (Ed25519). Signs dispatch tokens
   * for pools and operator tokens; its public half verifies operator tokens. `.dev.vars` locally.
   */
  EDGE_SIGNING_KEY: string;
  /** Telemetry older than this (ms) excludes a pool from routing. */
  TELEMETRY_TTL_MS?: string;
  /** Model used when a request names none. */
  DEFAULT_MODEL?: string;
  /** `"true"` only in local development: lets operators register pools on private addresses. */
  ALLOW_PRIVATE_POOL_URLS?: string;
  /** Seconds a finished job and its images are kept (default 86400). */
  RESULT_RETENTION_S?: string;
  /** Seconds a signed result URL stays valid (default 3600). */
  RESULT_URL_TTL_S?: string;
  /** A job consumer's claim lapses unrenewed after this many ms (default 15000). */
  JOB_CLAIM_LEASE_MS?: string;
  /** An unclaimed queued job is enqueued again this many ms after its message was due (default 30000). */
  JOB_WATCHDOG_MS?: string;
  /** Deadline of a job whose request sets no `deadline_ms` (default 600000). */
  JOB_DEFAULT_DEADLINE_MS?: string;
  /** Base of the webhook retry backoff in ms (default 2000). */
  WEBHOOK_RETRY_BASE_MS?: string;
  /** `"true"` only in local development: webhooks may target loopback and private hosts over http. */
  ALLOW_PRIVATE_WEBHOOK_URLS?: string;
  /** Deployment name such as `"production"`; unset in local dev and tests. */
  ENVIRONMENT?: string;
}

// Types `env` and `exports` from 'cloudflare:workers' (what `wrangler types` would generate).
declare global {
  namespace Cloudflare {
    interface Env extends SpillwayEnv {}
    interface GlobalProps {
      mainModule: typeof import('./index.ts');
    }
  }
}

type SpillwayEnv = Env;
