/**
 * Bindings the edge Worker receives from `wrangler.toml` (vars, secrets, Durable Objects, R2).
 * Grows with each binding a later issue adds; keep it in step with `wrangler.toml`.
 */
export interface Env {
  /** Deployment name such as `"production"` or `"staging"`; unset in local dev and tests. */
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
