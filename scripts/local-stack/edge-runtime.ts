import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { bundleWorker } from './worker-bundle.ts';

/** How the local edge is run. */
export interface EdgeRuntimeOptions {
  readonly port: number;
  readonly buildFolder: string;
  /** Where Durable Object storage persists; `null` keeps it in memory. */
  readonly persistFolder: string | null;
  readonly secrets: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, string>>;
}

/** A running local edge. */
export interface EdgeRuntime {
  readonly url: string;
  stop(): Promise<void>;
  /**
   * Disposes the workerd process and starts a new one on the same port and persisted storage,
   * as an isolate restart would: in-memory state (isolates, queue messages in flight) is lost,
   * Durable Object storage, alarms and R2 survive when `persistFolder` is set.
   */
  restart(): Promise<void>;
}

/**
 * Bundles worker/ with esbuild and runs it in workerd through Miniflare, with the same Durable
 * Object, queue and R2 bindings as wrangler.toml. Miniflare is the runtime `wrangler dev` wraps,
 * without its dev proxy in front, which costs several milliseconds per request here (see README).
 */
/**
 * The edge's Durable Object, queue and R2 bindings as wrangler.toml declares them, for every
 * Miniflare that runs the Worker (the local stack, benches). Locally the queue waits 50 ms for a
 * batch instead of a second: one batch runs at a time.
 */
export const EDGE_RESOURCE_BINDINGS = {
  durableObjects: {
    FLEET: { className: 'FleetRegistry', useSQLite: true },
    TENANTS: { className: 'TenantDirectory', useSQLite: true },
    JOBS: { className: 'JobObject', useSQLite: true },
    WAITING: { className: 'WaitingRoom', useSQLite: true },
    LIMITS: { className: 'TenantLimiter', useSQLite: true },
    STATS: { className: 'StatsAggregator', useSQLite: true },
  },
  analyticsEngineDatasets: { REQUEST_METRICS: { dataset: 'spillway_requests' } },
  queueProducers: { JOB_QUEUE: 'spillway-jobs' },
  queueConsumers: { 'spillway-jobs': { maxBatchSize: 10, maxBatchTimeout: 0.05, maxRetries: 10 } },
  r2Buckets: { RESULTS: 'spillway-results' },
};

export async function startEdgeRuntime(options: EdgeRuntimeOptions): Promise<EdgeRuntime> {
  await mkdir(options.buildFolder, { recursive: true });
  const scriptPath = join(options.buildFolder, 'worker.js');
  await bundleWorker('worker/index.ts', scriptPath);
  const start = async (port: number) => {
    // This Miniflare release takes a new options shape; the classic one converts.
    const miniflareOptions = convertV4MiniflareOptions({
      modules: true,
      scriptPath,
      // Module names are relative to this root; workerd refuses paths that climb out of it.
      modulesRoot: options.buildFolder,
      compatibilityDate: '2026-08-15',
      compatibilityFlags: ['enable_request_signal'],
      // Clients reach the edge on a direct socket to the Worker, not through Miniflare's entry
      // Worker (which then listens on a spare port, unused): the entry Worker runs on the same
      // workerd thread as the edge and its Durable Objects, and skipping it saved 20-40% of that
      // thread's CPU per request (docs/reliability.md). Production has no such hop either.
      host: '127.0.0.1',
      port: 0,
      unsafeDirectSockets: [{ host: '127.0.0.1', port }],
      ...EDGE_RESOURCE_BINDINGS,
      bindings: { ...options.vars, ...options.secrets },
      // No download of Cloudflare's `Request.cf` sample (cf.json) at every start: offline it fails
      // with a stack trace. The Worker reads nothing from `request.cf`; Miniflare's placeholder does.
      cf: false,
      ...(options.persistFolder ? { resourcePersistencePath: options.persistFolder } : {}),
    });
    // Warnings and errors reach this process's stdout; per-request info lines would cost every
    // request a round trip to Miniflare's Node side (measured by bench/edge).
    const miniflare = new Miniflare({
      ...miniflareOptions,
      log: new Log(LogLevel.WARN),
      // The Worker's own console: warnings and errors always; the per-request info lines
      // (docs/observability.md) only with SPILLWAY_EDGE_LOGS=1, so `npm start` stays readable
      // (the local stack also sets LOG_LEVEL so that the Worker does not write them at all).
      handleStructuredLogs: ({ level, message }) => {
        if (level === 'warn' || level === 'error' || process.env.SPILLWAY_EDGE_LOGS === '1') {
          process.stdout.write(`${message}\n`);
        }
      },
    });
    await miniflare.ready;
    return { miniflare, url: await miniflare.unsafeGetDirectURL() };
  };
  let running = await start(options.port);
  const origin = running.url.origin;
  return {
    url: origin,
    stop: () => running.miniflare.dispose(),
    restart: async () => {
      await running.miniflare.dispose();
      running = await start(Number(new URL(origin).port));
    },
  };
}
