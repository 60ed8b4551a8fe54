import type { Principal } from './auth/principal.ts';
import type { EdgeDeps } from './edge-deps.ts';
import type { RequestObservation } from './observability/request-observation.ts';

/**
 * Hono type parameters shared by every part of the edge Worker: the bindings, the request id,
 * the authenticated caller, the isolate's collaborators (`deps`, set by `createApp`), and what
 * observability learns about the request (`observation`, set by `observeRequests`).
 */
export type AppEnv = {
  Bindings: Env;
  Variables: {
    requestId: string;
    principal: Principal;
    deps: EdgeDeps;
    observation: RequestObservation;
    /** Top-level body fields an OpenAI-shaped route does not know (and so ignored). */
    ignoredFields?: readonly string[];
  };
};
