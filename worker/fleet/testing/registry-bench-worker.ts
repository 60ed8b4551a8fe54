import edge from '../../index.ts';
import { FleetSnapshotSource } from '../fleet-source.ts';
import { ShardedFleet } from '../sharded-fleet.ts';
import { SharedShardCopies } from '../shared-shard-copies.ts';

export {
  FleetRegistry,
  JobObject,
  StatsAggregator,
  TenantDirectory,
  TenantLimiter,
  WaitingRoom,
} from '../../index.ts';

// The registry load bench's Worker (bench/registry): the edge itself, plus two paths only this
// entry point has. Never deployed (wrangler.toml's `main` is worker/index.ts).
//
// - `POST /__bench/isolates/:id/refresh?shared=0|1[&home=REGION]`: refreshes the fleet copy of
//   simulated isolate `id`, with the very `FleetSnapshotSource` every edge isolate runs. Many
//   isolates of one location are simulated by many sources in this one workerd isolate, sharing
//   its `caches.default` as isolates of one location share theirs. With `home`, the isolate has
//   routed to every pool of that region since its last refresh, and to no other.
// - `POST /__bench/isolates/reset`: forgets every simulated isolate.
// - `GET /__bench/load?name=…`: one registry object's load counters (`FleetRegistry.load`).

const sources = new Map<string, { source: FleetSnapshotSource; sentAt: Map<string, number> }>();

async function refresh(env: Env, isolateId: string, shared: boolean, home: string | null): Promise<Response> {
  const key = `${isolateId}:${shared ? 'shared' : 'own'}:${home ?? ''}`;
  let isolate = sources.get(key);
  if (!isolate) {
    const now = () => Date.now();
    const sentAt = new Map<string, number>();
    const source = new FleetSnapshotSource({
      fleet: new ShardedFleet(env.FLEET),
      now,
      shared: shared ? new SharedShardCopies(caches.default, now) : null,
      ...(home === null ? {} : { routedPools: () => sentAt }),
    });
    isolate = { source, sentAt };
    sources.set(key, isolate);
  }
  const snapshot = await isolate.source.load();
  if (home !== null) {
    const now = Date.now();
    for (const entry of snapshot.pools)
      if (entry.pool.region === home) isolate.sentAt.set(entry.pool.id, now);
  }
  return Response.json({
    pools: snapshot.pools.length,
    version: snapshot.version,
    stats: isolate.source.stats,
  });
}

async function benchFetch(request: Request, env: Env): Promise<Response | null> {
  const url = new URL(request.url);
  const isolate = /^\/__bench\/isolates\/([\w-]+)\/refresh$/.exec(url.pathname);
  if (isolate?.[1] && request.method === 'POST') {
    return refresh(env, isolate[1], url.searchParams.get('shared') !== '0', url.searchParams.get('home'));
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
