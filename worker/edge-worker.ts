import { errorEnvelope } from '../shared/index.ts';
import { createApp } from './app.ts';
import { EdgeConfigError, edgeConfigOf } from './config.ts';
import { createEdgeDeps, type EdgeDeps } from './edge-deps.ts';
import { consumeJobBatch } from './jobs/job-consumer.ts';

/** Options of {@link createEdgeWorker}. */
export interface EdgeWorkerOptions {
  /** Adjusts the collaborators once they are built: benches' knock-out variants, tests. */
  readonly customize?: (deps: EdgeDeps) => EdgeDeps;
}

interface Built {
  readonly deps: EdgeDeps;
  readonly app: ReturnType<typeof createApp>;
}

/**
 * The composition root: the Worker's handlers (HTTP and the job queue) over one set of
 * collaborators per isolate, built on first use from the bindings (they are only known at
 * request time) and kept while the isolate serves the same bindings.
 *
 * @example
 * export default createEdgeWorker();
 */
export function createEdgeWorker(options: EdgeWorkerOptions = {}) {
  const built = new WeakMap<Env, Built>();
  const build = (env: Env): Built => {
    let entry = built.get(env);
    if (!entry) {
      const defaults = createEdgeDeps(env, edgeConfigOf(env));
      const deps = options.customize ? options.customize(defaults) : defaults;
      entry = { deps, app: createApp(deps) };
      built.set(env, entry);
    }
    return entry;
  };
  return {
    fetch(request, env, ctx) {
      let entry: Built;
      try {
        entry = build(env);
      } catch (error) {
        return misconfigured(error);
      }
      return entry.app.fetch(request, env, ctx);
    },
    async queue(batch, env, ctx) {
      await consumeJobBatch(batch, { services: build(env).deps, env, ctx });
    },
  } satisfies ExportedHandler<Env>;
}

/** A Worker whose vars cannot be parsed answers 500 and logs which var is wrong, not its value. */
function misconfigured(error: unknown): Response {
  if (!(error instanceof EdgeConfigError)) throw error;
  console.error(JSON.stringify({ level: 'error', msg: error.message }));
  const body = errorEnvelope(
    'internal_error',
    'the edge is misconfigured; its logs name the setting',
    crypto.randomUUID(),
  );
  return Response.json(body, { status: 500 });
}
