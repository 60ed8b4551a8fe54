import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Log, LogLevel, Miniflare } from 'miniflare';

/** How the local edge is run. */
export interface EdgeRuntimeOptions {
  readonly port: number;
  readonly buildFolder: string;
  /** Where Durable Object storage persists; `null` keeps it in memory. */
  readonly persistFolder: string | null;
  readonly secrets: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, string>>;
}

/**
 * Bundles worker/ with esbuild and runs it in workerd through Miniflare, with the same Durable
 * Object bindings as wrangler.toml. Miniflare is the runtime `wrangler dev` wraps, without its
 * dev proxy in front, which costs several milliseconds per request here (see README).
 */
export async function startEdgeRuntime(
  options: EdgeRuntimeOptions,
): Promise<{ url: string; stop: () => Promise<void> }> {
  await mkdir(options.buildFolder, { recursive: true });
  const scriptPath = join(options.buildFolder, 'worker.js');
  await build({
    entryPoints: ['worker/index.ts'],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    outfile: scriptPath,
    external: ['cloudflare:*', 'node:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'warning',
  });
  // This Miniflare release takes a new options shape; the classic one converts.
  const miniflareOptions = convertV4MiniflareOptions({
    modules: true,
    scriptPath,
    // Module names are relative to this root; workerd refuses paths that climb out of it.
    modulesRoot: options.buildFolder,
    compatibilityDate: '2026-08-15',
    host: '127.0.0.1',
    port: options.port,
    durableObjects: {
      FLEET: { className: 'FleetRegistry', useSQLite: true },
      TENANTS: { className: 'TenantDirectory', useSQLite: true },
    },
    bindings: { ...options.vars, ...options.secrets },
    ...(options.persistFolder ? { resourcePersistencePath: options.persistFolder } : {}),
  });
  // Warnings and errors reach this process's stdout; per-request info lines would cost every
  // request a round trip to Miniflare's Node side (measured by bench/edge).
  const miniflare = new Miniflare({ ...miniflareOptions, log: new Log(LogLevel.WARN) });
  const url = await miniflare.ready;
  return { url: url.origin, stop: () => miniflare.dispose() };
}
