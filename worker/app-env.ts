import type { Env } from './env.ts';
import type { Principal } from './middleware/principal.ts';

/** Hono type parameters shared by every part of the edge Worker. */
export type AppEnv = { Bindings: Env; Variables: { requestId: string; principal: Principal } };
