import type { MiddlewareHandler } from 'hono';

/**
 * Paths whose answers carry secrets or operator data: API keys and operator tokens shown once,
 * webhook signing secrets, the registry (the dashboard sets its own). No cache along the way (a
 * proxy, the browser's disk) may keep them.
 */
export const noStorePaths = ['/v1/admin/*', '/v1/webhooks/*'] as const;

/** Sets `Cache-Control: no-store` on every answer that set no cache policy of its own. */
export function noStore(): MiddlewareHandler {
  return async (context, next) => {
    await next();
    if (!context.res.headers.has('cache-control')) context.res.headers.set('cache-control', 'no-store');
  };
}
