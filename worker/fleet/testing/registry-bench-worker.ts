import edge from '../../index.ts';
import { FleetSnapshotSource } from '../fleet-source.ts';
import { ShardedFleet } from '../sharded-fleet.ts';
import { SharedShardCopies } from '../shared-shard-copies.ts';

export { FleetRegistry, JobObject, TenantDirectory, TenantLimiter, WaitingRoom } from '../../index.ts';

// The registry load bench's Worker (bench/registry): the edge itself, plus two paths only this
// entry point has. Never deployed (wrangler.toml's `main` is worker/index.ts).
//
// - `POST /__bench/isolates/:id/refresh?shared=0|1`: refreshes the fleet copy of simulated
//   isolate `id`, with the very `FleetSnapshotSource` every edge isolate runs. Many isolates of one
//   location are simulated by many sources in this one workerd isolate, sharing its
//   `caches.default` as isolates of one location share theirs.
// - `POST /__bench/isolates/reset`: forgets every simulated isolate.
// - `GET /__bench/load?name=…`: one registry object's load counters (`FleetRegistry.load`).

const sources = new Map<string, FleetSnapshotSource>();

async function refresh(env: Env, isolateId: string, shared: boolean): Promise<Response> {
  const key = `${isolateId}:${shared ? 'shared' : 'own'}`;
  let source = sources.get(key);
  if (!source) {
    const now = () => Date.now();
    source = new FleetSnapshotSource({
      fleet: new ShardedFleet(env.FLEET),
      now,
      shared: shared ? new SharedShardCopies(caches.default, now) : null,
    });
    sources.set(key, source);
  }
  const snapshot = await source.load();
  return Response.json({ pools: snapshot.pools.length, version: snapshot.version, stats: source.stats });
}

async function benchFetch(request: Request, env: Env): Promise<Response | null> {
  const url = new URL(request.url);
  const isolate = /^\/__bench\/isolates\/([\w-]+)\/refresh$/.exec(url.pathname);
  if (isolate?.[1] && request.method === 'POST') {
    return refresh(env, isolate[1], url.searchParams.get('shared') !== '0');
  }
  if (url.pathname === '/__bench/isolates/reset' && request.method === 'POST') {
    sources.clear();
    return new Response(null, { status: 204 });
  }
  if (url.pathname === '/__bench/load') {
    const name = url.searchParams.get('name') ?? '';
    return Response.json(await env.FLEET.getByName(name).load());
  }
  return null;
}

/** The edge Worker with the bench's paths in front. */
export default {
  ...edge,
  async fetch(request, env, context): Promise<Response> {
    const answer = await benchFetch(request, env);
    if (answer) return answer;
    if (!edge.fetch) throw new Error('the edge Worker has no fetch handler');
    return edge.fetch(request, env, context);
  },
} satisfies ExportedHandler<Env>;
