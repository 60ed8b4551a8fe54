import { accessSync, constants } from 'node:fs';
import type { GpuNodeConfig } from './gpu-node-config.ts';

/** The settings that name files or folders gpu-node reads, with the flag each comes from. */
const FILE_FLAGS = [
  ['edgePublicKey', '--edge-public-key'],
  ['poolKey', '--pool-key'],
  ['modelManifest', '--model-manifest'],
] as const;

/**
 * One line per file setting gpu-node cannot read, naming its flag (`--edge-public-key: cannot read
 * /keys/edge.pem (ENOENT)`), so a typo in a path is refused before the engine loads, with the usage
 * exit code, not found afterwards as a crash. Empty when every one is readable.
 */
export function unreadableFiles(config: GpuNodeConfig): string[] {
  const problems: string[] = [];
  const check = (flag: string, path: string | undefined) => {
    if (path === undefined) return;
    try {
      accessSync(path, constants.R_OK);
    } catch (error) {
      problems.push(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  for (const [key, flag] of FILE_FLAGS) check(flag, config[key]);
  // `--pipeline NAME=DIR` or `--pipeline DIR`, read as `pipelineModel` reads it.
  for (const value of config.pipeline ?? []) {
    const split = value.indexOf('=');
    check('--pipeline', split > 0 ? value.slice(split + 1) : value);
  }
  return problems;
}
