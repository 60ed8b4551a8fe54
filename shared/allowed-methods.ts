/** A route as Hono lists it (`app.routes`): its method and its path pattern. */
export interface ListedRoute {
  readonly method: string;
  readonly path: string;
}

interface PathMethods {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

/**
 * Which methods a Hono app (the edge's, a pool's) serves at a path, from its route list: what a
 * 405's `Allow` names, so a client that used the wrong method on a real path learns which to use
 * instead of "no such route". Middleware (`ALL`) is not a route; a path with GET also answers HEAD,
 * and every served path answers OPTIONS (both apps' not-found handlers). Matching is as strict as
 * Hono's router: `/v1/models/` is not `/v1/models`, so it is a 404, not a 405 that names the very
 * method the client used; a path parameter matches any value.
 *
 * @example
 * const allowedAt = allowedMethodsOf(app.routes);
 * allowedAt('/v1/jobs/job_1'); // ['DELETE', 'GET', 'HEAD', 'OPTIONS']
 * allowedAt('/v1/jobs/job_1/'); // []
 */
export function allowedMethodsOf(routes: readonly ListedRoute[]): (path: string) => string[] {
  const byPath = new Map<string, PathMethods>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    let entry = byPath.get(route.path);
    if (!entry) {
      entry = { pattern: patternOf(route.path), methods: new Set() };
      byPath.set(route.path, entry);
    }
    entry.methods.add(route.method.toUpperCase());
  }
  return (path) => {
    const allowed = new Set<string>();
    for (const { pattern, methods } of byPath.values()) {
      if (pattern.test(path)) for (const method of methods) allowed.add(method);
    }
    if (allowed.size === 0) return [];
    if (allowed.has('GET')) allowed.add('HEAD');
    allowed.add('OPTIONS');
    return [...allowed].sort();
  };
}

/** Hono's path syntax (`/v1/jobs/:id`, a trailing `*`) as an anchored expression. */
function patternOf(path: string): RegExp {
  const parts = path.split('/').map((part) => {
    if (part === '*') return '.*';
    if (part.startsWith(':')) return '[^/]+';
    return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${parts.join('/')}$`);
}
