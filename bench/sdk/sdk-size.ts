import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The SDK's size budget, min+gzip (issue 5). */
export const sdkSizeTargetBytes = 8 * 1024;

/** What the SDK bundle weighs and what went into it. */
export interface SdkSizeReport {
  readonly entry: string;
  readonly minified_bytes: number;
  readonly gzip_bytes: number;
  readonly target_gzip_bytes: number;
  readonly within_target: boolean;
  /** Bundled files, relative to the repository root; all must lie under sdk/. */
  readonly inputs: readonly string[];
}

/**
 * Bundles `sdk/index.ts` alone with esbuild (minified ESM, platform `neutral`, so a Node
 * built-in or an import that needs Node resolution fails the build) and gzips it at level 9.
 */
export async function measureSdkSize(entry = 'sdk/index.ts'): Promise<SdkSizeReport> {
  const result = await build({
    entryPoints: [resolve(repositoryRoot, entry)],
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild wrote no output');
  const gzipBytes = gzipSync(output.contents, { level: 9 }).byteLength;
  return {
    entry,
    minified_bytes: output.contents.byteLength,
    gzip_bytes: gzipBytes,
    target_gzip_bytes: sdkSizeTargetBytes,
    within_target: gzipBytes <= sdkSizeTargetBytes,
    inputs: Object.keys(result.metafile.inputs).map((path) => relative(repositoryRoot, resolve(path))),
  };
}
