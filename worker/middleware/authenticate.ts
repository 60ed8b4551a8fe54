import type { MiddlewareHandler } from 'hono';
import { ApiError } from '../../shared/index.ts';
import type { AppEnv } from '../app-env.ts';

/** Requires a tenant credential; operators and anonymous callers are refused. */
export const requireTenant: MiddlewareHandler<AppEnv> = async (context, next) => {
  const principal = await context.var.deps.authenticator.authenticate(context.req.header('authorization'));
  if (principal.kind !== 'tenant')
    throw new ApiError('insufficient_scope', 'this route needs a tenant credential');
  context.set('principal', principal);
  await next();
};

/** Requires an operator token; a tenant credential gets 403. */
export const requireOperator: MiddlewareHandler<AppEnv> = async (context, next) => {
  const principal = await context.var.deps.authenticator.authenticate(context.req.header('authorization'));
  if (principal.kind !== 'operator')
    throw new ApiError('insufficient_scope', 'the admin API needs an operator token');
  context.set('principal', principal);
  await next();
};
