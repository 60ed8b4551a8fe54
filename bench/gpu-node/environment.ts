import { readFile } from 'node:fs/promises';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';

/** Where and when the benchmark ran. */
export interface BenchEnvironment {
  readonly node: string;
  readonly platform: string;
  readonly cpu_model: string | null;
  readonly cores: number;
  readonly memory_gib: number;
  readonly onnxruntime_node: string | null;
  readonly execution_provider: string | null;
  readonly started_at: string;
  readonly finished_at: string;
}

/** Describes this host; the execution provider comes from gpu-node's `/v1/telemetry`. */
export async function describeEnvironment(
  startedAt: Date,
  executionProvider: string | null,
  now: () => Date = () => new Date(),
): Promise<BenchEnvironment> {
  return {
    node: process.version,
    platform: `${platform()} ${release()}`,
    cpu_model: cpus()[0]?.model ?? null,
    cores: availableParallelism(),
    memory_gib: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    onnxruntime_node: await packageVersion('onnxruntime-node'),
    execution_provider: executionProvider,
    started_at: startedAt.toISOString(),
    finished_at: now().toISOString(),
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
