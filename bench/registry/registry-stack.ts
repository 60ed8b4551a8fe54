import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { EDGE_RESOURCE_BINDINGS } from '../../scripts/local-stack/edge-runtime.ts';
import { bundleWorker } from '../../scripts/local-stack/worker-bundle.ts';
import { loadOrCreateDevEdgeKey, mintDevOperatorToken } from '../../scripts/security/dev-credentials.ts';

/** The bench's entry point: the edge plus its `/__bench/` paths (see the file). */
const BENCH_ENTRY = 'worker/fleet/testing/registry-bench-worker.ts';

/** The local stack the registry bench drives. */
export interface RegistryStack {
  readonly edgeUrl: string;
  readonly operatorToken: string;
  /** A server that answers every pool's liveness check (registration asks it). */
  readonly poolUrl: string;
  stop(): Promise<void>;
}

/**
 * The edge in workerd through Miniflare, with the options of scripts/local-stack/edge-runtime.ts
 * (same bindings, Durable Objects in SQLite, no per-request logging), bundled from the bench's
 * entry point so that simulated isolates run inside the same workerd as the edge.
 */
export async function startRegistryStack(): Promise<RegistryStack> {
  const folder = await mkdtemp(join(tmpdir(), 'spillway-registry-bench-'));
  const edgeKey = await loadOrCreateDevEdgeKey(join(folder, '.dev.vars'), join(folder, 'keys'));
  const scriptPath = join(folder, 'build', 'worker.js');
  await bundleWorker(BENCH_ENTRY, scriptPath);
  const miniflare = new Miniflare({
    ...convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      modulesRoot: join(folder, 'build'),
      compatibilityDate: '2026-08-15',
      host: '127.0.0.1',
      port: 0,
      // Reached on a direct socket to the Worker, as `npm start` serves the edge: Miniflare's
      // entry Worker would run on the same workerd thread as the shards and cost its CPU.
      unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }],
      ...EDGE_RESOURCE_BINDINGS,
      bindings: {
        EDGE_SIGNING_KEY: edgeKey.secretJwk,
        TELEMETRY_TTL_MS: '5000',
        DEFAULT_MODEL: 'spillway-tiny',
        ALLOW_PRIVATE_POOL_URLS: 'true',
        ALLOW_PRIVATE_WEBHOOK_URLS: 'true',
      },
      cf: false,
    }),
    log: new Log(LogLevel.WARN),
  });
  await miniflare.ready;
  const edgeUrl = (await miniflare.unsafeGetDirectURL()).origin;
  const pools = await startLivenessServer();
  return {
    edgeUrl,
    operatorToken: await mintDevOperatorToken(edgeKey.privateKey),
    poolUrl: pools.url,
    async stop() {
      await miniflare.dispose();
      await new Promise((resolve) => pools.server.close(resolve));
      await rm(folder, { recursive: true, force: true });
    },
  };
}

async function startLivenessServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"live":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('liveness server has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}
