import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';

/** Where the bench ran and with which runtime versions. */
export interface EdgeBenchEnvironment {
  readonly node: string;
  readonly platform: string;
  readonly cpu_model: string | null;
  readonly cores: number;
  readonly memory_gib: number;
  readonly versions: Readonly<Record<string, string | null>>;
  readonly started_at: string;
  readonly finished_at: string;
}

const packages = [
  'workerd',
  'miniflare',
  'wrangler',
  'esbuild',
  'hono',
  'zod',
  'jose',
  'undici',
  '@portkey-ai/gateway',
] as const;

/** Describes this host and the installed runtime packages. */
export async function describeEdgeEnvironment(startedAt: Date): Promise<EdgeBenchEnvironment> {
  const versions = await Promise.all(
    packages.map(async (name) => [name, await packageVersion(name)] as const),
  );
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu_model: cpus()[0]?.model ?? null,
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    versions: Object.fromEntries(versions),
    started_at: startedAt.toISOString(),
    finished_at: new Date().toISOString(),
  };
}

async function packageVersion(name: string): Promise<string | null> {
  try {
    const manifest: unknown = JSON.parse(
      await readFile(new URL(`../../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
    );
    return typeof manifest === 'object' && manifest !== null && 'version' in manifest
      ? String(manifest.version)
      : null;
  } catch {
    return null;
  }
}
