import type { FleetRegistry } from './objects/fleet-registry.ts';
import type { TenantDirectory } from './objects/tenant-directory.ts';

/**
 * Bindings the edge Worker receives from `wrangler.toml` (vars, secrets, Durable Objects).
 * Keep in step with `wrangler.toml`.
 */
export interface Env {
  /** The fleet registry: one object named `fleet` (providers, pools, telemetry). */
  FLEET: DurableObjectNamespace<FleetRegistry>;
  /** The tenant directory: one object named `tenants` (tenants, API key digests). */
  TENANTS: DurableObjectNamespace<TenantDirectory>;
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
