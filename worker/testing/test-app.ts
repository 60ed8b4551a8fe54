import type { Hono } from 'hono';
import { createApp } from '../app.ts';
import type { AppEnv } from '../app-env.ts';
import { parseEdgeConfig } from '../config.ts';
import { createEdgeDeps, type EdgeDeps } from '../edge-deps.ts';

/** Fresh collaborators over the test bindings: no credential or snapshot cached by an earlier test. */
export function testDeps(env: Env, now?: () => number): EdgeDeps {
  return createEdgeDeps(env, parseEdgeConfig(env), now);
}

/** The edge app over {@link testDeps}, for routes a test adds or calls with `app.request()`. */
export function testApp(env: Env, deps: EdgeDeps = testDeps(env)): Hono<AppEnv> {
  return createApp(deps);
}
