import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';

/** A module Worker to bundle and run in workerd through Miniflare. */
export interface MiniflareWorkerOptions {
  readonly entryPoint: string;
  readonly buildFolder: string;
  readonly bindings: Readonly<Record<string, string>>;
  /** Bind the edge's Durable Objects (the entry point must export their classes). */
  readonly edgeObjects?: boolean;
  /** esbuild plugins, e.g. to patch a module for a bench variant. */
  readonly plugins?: readonly Plugin[];
  /**
   * Miniflare's per-request log line (`[mf:info] POST /… 200 OK`), on by default and so in
   * edge-runtime.ts: each line is one extra request from workerd to Miniflare's Node loopback
   * server. `false` is Miniflare's `logRequests: false`; the Worker's own logs still print.
   */
  readonly logRequests?: boolean;
}

/** A running Worker. */
export interface RunningWorker {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Bundles and runs a Worker exactly as `scripts/local-stack/edge-runtime.ts` runs the edge
 * (same esbuild settings, `convertV4MiniflareOptions`, compatibility date, in-memory storage),
 * on a free port, so a bench Worker and Spillway's edge meet the same runtime.
 */
export async function startMiniflareWorker(options: MiniflareWorkerOptions): Promise<RunningWorker> {
  await mkdir(options.buildFolder, { recursive: true });
  const scriptPath = join(options.buildFolder, 'worker.js');
  await build({
    entryPoints: [options.entryPoint],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    outfile: scriptPath,
    external: ['cloudflare:*', 'node:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'warning',
    plugins: [...(options.plugins ?? [])],
  });
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
    logRequests: options.logRequests ?? true,
  });
  const miniflare = new Miniflare({
    ...miniflareOptions,
    log: new Log(LogLevel.INFO),
  });
  const url = await miniflare.ready;
  return { url: url.origin, stop: () => miniflare.dispose() };
}
