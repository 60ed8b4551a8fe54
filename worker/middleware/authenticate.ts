import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';
import type { Principal } from '../auth/index.ts';

/** Authenticates the caller and requires one kind of principal; any other gets 403 `insufficient_scope`. */
function requirePrincipal(kind: Principal['kind'], refusal: string): MiddlewareHandler<AppEnv> {
  return async (context, next) => {
    const principal = await context.var.deps.authenticator.authenticate(context.req.header('authorization'));
    if (principal.kind !== kind) throw new ApiError('insufficient_scope', refusal);
    context.set('principal', principal);
    await next();
  };
}

/** Requires a tenant credential; operators and anonymous callers are refused. */
export const requireTenant = requirePrincipal('tenant', 'this route needs a tenant credential');

/** Requires an operator token; a tenant credential gets 403. */
export const requireOperator = requirePrincipal('operator', 'the admin API needs an operator token');
