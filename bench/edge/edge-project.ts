import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { isKnockoutName, knockoutEntrySource } from './knockout-catalog.ts';

/**
 * Writes a throwaway project whose `worker/index.ts` is the Worker to measure, so that
 * `startEdgeRuntime` (which bundles `worker/index.ts` from the working directory) runs it with
 * the edge's own runtime settings. Returns the project folder to `chdir` into.
 *
 * - `passthrough` / `buffered-passthrough`: that bench Worker, plus empty classes for the edge's
 *   Durable Object bindings.
 * - `edge` with knock-outs: this repository's edge built by `createEdgeWorker({ customize })`.
 */
export async function writeEdgeProject(
  folder: string,
  worker: 'edge' | 'passthrough' | 'buffered-passthrough',
  knockouts: readonly string[],
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
    stdin: {
      contents: knockoutEntrySource(knockouts.filter(isKnockoutName), resolve(repositoryRoot)),
      resolveDir: repositoryRoot,
      sourcefile: 'knockout-entry.ts',
      loader: 'ts',
    },
    absWorkingDir: repositoryRoot,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2023',
    outfile: join(workerFolder, 'edge.js'),
    external: ['cloudflare:*', 'node:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'browser'],
    logLevel: 'warning',
  });
  await writeFile(
    join(workerFolder, 'index.ts'),
    "export * from './edge.js';\nexport { default } from './edge.js';\n",
  );
  return folder;
}
