import { build } from 'esbuild';

/**
 * Bundles a Worker entry point into one ES module for workerd (Miniflare), as wrangler would:
 * `cloudflare:*` and `node:*` stay imports the runtime provides; package exports resolve to their
 * workerd/worker/browser builds.
 */
export async function bundleWorker(entryPoint: string, outfile: string): Promise<void> {
  await build({
    entryPoints: [entryPoint],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    outfile,
    external: ['cloudflare:*', 'node:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'warning',
  });
}
