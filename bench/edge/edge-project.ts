import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { patchPlugin } from './variant-patches.ts';

/**
 * Writes a throwaway project whose `worker/index.ts` is the Worker to measure, so that
 * `startEdgeRuntime` (which bundles `worker/index.ts` from the working directory) runs it with
 * the edge's own runtime settings. Returns the project folder to `chdir` into.
 *
 * - `passthrough` / `buffered-passthrough`: that bench Worker, plus empty classes for the edge's
 *   Durable Object bindings.
 * - `edge` with patches: worker/index.ts of this repository, bundled with the patches applied.
 */
export async function writeEdgeProject(
  folder: string,
  worker: 'edge' | 'passthrough' | 'buffered-passthrough',
  patches: readonly string[],
  repositoryRoot: string,
): Promise<string> {
  const workerFolder = join(folder, 'worker');
  await mkdir(workerFolder, { recursive: true });
  if (worker !== 'edge') {
    const passthrough = resolve(repositoryRoot, `bench/edge/${worker}-worker.ts`);
    await writeFile(
      join(workerFolder, 'index.ts'),
      [
        `export { default } from ${JSON.stringify(passthrough)};`,
        '// startEdgeRuntime binds the edge Durable Objects; the passthrough never uses them.',
        'export class FleetRegistry {}',
        'export class TenantDirectory {}',
        'export class JobObject {}',
        'export class WaitingRoom {}',
        '',
      ].join('\n'),
    );
    return folder;
  }
  await build({
    entryPoints: [resolve(repositoryRoot, 'worker/index.ts')],
    absWorkingDir: repositoryRoot,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    outfile: join(workerFolder, 'patched.js'),
    external: ['cloudflare:*', 'node:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'warning',
    plugins: [patchPlugin(patches, repositoryRoot)],
  });
  await writeFile(
    join(workerFolder, 'index.ts'),
    "export * from './patched.js';\nexport { default } from './patched.js';\n",
  );
  return folder;
}
