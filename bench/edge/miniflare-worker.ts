import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';
import { bundleWorker } from '../../scripts/local-stack/worker-bundle.ts';

/** A module Worker to bundle and run in workerd through Miniflare. */
export interface MiniflareWorkerOptions {
  readonly entryPoint: string;
  readonly buildFolder: string;
  readonly bindings: Readonly<Record<string, string>>;
  /** Bind the edge's Durable Objects (the entry point must export their classes). */
  readonly edgeObjects: boolean;
}

/** A running Worker. */
export interface RunningWorker {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Runs a Worker as scripts/local-stack/edge-runtime.ts did before it turned per-request logging
 * off: the same esbuild settings and Miniflare options, with `Log(LogLevel.INFO)`, under which
 * Miniflare logs every request (`[mf:info] POST /… 200 OK`) by sending the line from workerd to
 * its Node loopback server. Kept so the bench shows what that setting costs.
 */
export async function startMiniflareWorker(options: MiniflareWorkerOptions): Promise<RunningWorker> {
  await mkdir(options.buildFolder, { recursive: true });
  const scriptPath = join(options.buildFolder, 'worker.js');
  await bundleWorker(options.entryPoint, scriptPath);
  const miniflareOptions = convertV4MiniflareOptions({
    modules: true,
    scriptPath,
    modulesRoot: options.buildFolder,
    compatibilityDate: '2026-08-15',
    host: '127.0.0.1',
    port: 0,
    ...(options.edgeObjects
      ? {
          durableObjects: {
            FLEET: { className: 'FleetRegistry', useSQLite: true },
            TENANTS: { className: 'TenantDirectory', useSQLite: true },
          },
        }
      : {}),
    bindings: { ...options.bindings },
  });
  const miniflare = new Miniflare({ ...miniflareOptions, log: new Log(LogLevel.INFO) });
  const url = await miniflare.ready;
  return { url: url.origin, stop: () => miniflare.dispose() };
}
