import type { Principal } from './auth/principal.ts';
import type { EdgeDeps } from './edge-deps.ts';

/**
 * Hono type parameters shared by every part of the edge Worker: the bindings, the request id,
 * the authenticated caller, and the isolate's collaborators (`deps`, set by `createApp`).
 */
export type AppEnv = {
  Bindings: Env;
  Variables: { requestId: string; principal: Principal; deps: EdgeDeps };
};
