import type { MiddlewareHandler } from 'hono';
import { ApiError } from './api-error.ts';
import type { PoolContext, PoolEnv } from './pool-context.ts';

/**
 * Requires the edge's dispatch token. The reason a token failed is logged for operators; the
 * caller learns only that it was refused.
 */
export function requireEdgeToken(pool: PoolContext): MiddlewareHandler<PoolEnv> {
  return async (context, next) => {
    if (!pool.verifyToken) {
      context.set('tenant', null);
      return next();
    }
    const verdict = await pool.verifyToken(context.req.header('authorization'));
    if (!verdict.ok) {
      pool.logger.warn(
        { request_id: context.get('requestId'), reason: verdict.reason },
        'refused a dispatch token',
      );
      pool.metrics.countRejection('unauthenticated');
      const code = verdict.reason === 'missing' ? 'missing_credentials' : 'invalid_credentials';
      throw new ApiError(
        code,
        verdict.reason === 'missing' ? 'a bearer token is required' : 'the bearer token was refused',
        {
          headers: { 'www-authenticate': 'Bearer realm="spillway-pool"' },
        },
      );
    }
    context.set('tenant', verdict.claims.sub);
    return next();
  };
}
