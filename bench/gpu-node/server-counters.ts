import { readdir, readFile } from 'node:fs/promises';
import type { GpuNodeClient } from './http-client.ts';

/** Cumulative counters read from gpu-node's `/metrics` and, on Linux, its `/proc` entry. */
export interface ServerCounters {
  readonly at: number;
  readonly steps: number;
  readonly stepImages: number;
  readonly stepSeconds: number;
  /** CPU seconds of the whole process and of its main (HTTP) thread; null off Linux. */
  readonly cpuSeconds: number | null;
  readonly mainThreadCpuSeconds: number | null;
}

/** What the server did between two counter snapshots. */
export interface ServerActivity {
  readonly steps: number;
  readonly mean_batch_size: number | null;
  readonly mean_step_ms: number | null;
  /** Denoiser milliseconds per image, as the engine's step timings report it. */
  readonly denoise_ms_per_image: number | null;
  /** Cores' worth of CPU the server process and its main thread used. */
  readonly cpu_cores: number | null;
  readonly main_thread_cpu_cores: number | null;
}

// Linux reports /proc times in clock ticks; USER_HZ is 100 on every mainstream build.
const ticksPerSecond = 100;

/** Reads the counters now. */
export async function readServerCounters(
  ops: GpuNodeClient,
  pid: number | undefined,
): Promise<ServerCounters> {
  const { text } = await ops.get('/metrics');
  const cpu = pid === undefined ? null : await processCpu(pid);
  return {
    at: performance.now(),
    steps: metricValue(text, 'spillway_batch_size_count'),
    stepImages: metricValue(text, 'spillway_batch_size_sum'),
    stepSeconds: metricValue(text, 'spillway_step_duration_seconds_sum'),
    cpuSeconds: cpu?.total ?? null,
    mainThreadCpuSeconds: cpu?.mainThread ?? null,
  };
}

/** The difference between two snapshots. */
export function serverActivity(before: ServerCounters, after: ServerCounters): ServerActivity {
  const seconds = (after.at - before.at) / 1000;
  const steps = after.steps - before.steps;
  const images = after.stepImages - before.stepImages;
  const stepMs = (after.stepSeconds - before.stepSeconds) * 1000;
  const rate = (from: number | null, to: number | null) =>
    from === null || to === null || seconds <= 0 ? null : round((to - from) / seconds);
  return {
    steps,
    mean_batch_size: steps > 0 ? round(images / steps) : null,
    mean_step_ms: steps > 0 ? round(stepMs / steps) : null,
    denoise_ms_per_image: images > 0 ? round(stepMs / images) : null,
    cpu_cores: rate(before.cpuSeconds, after.cpuSeconds),
    main_thread_cpu_cores: rate(before.mainThreadCpuSeconds, after.mainThreadCpuSeconds),
  };
}

function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return match?.[1] ? Number(match[1]) : 0;
}

async function processCpu(pid: number): Promise<{ total: number; mainThread: number } | null> {
  try {
    const total = await threadCpu(`/proc/${pid}/stat`);
    const tasks = await readdir(`/proc/${pid}/task`);
    const mainThread = tasks.includes(String(pid)) ? await threadCpu(`/proc/${pid}/task/${pid}/stat`) : 0;
    return { total, mainThread };
  } catch {
    return null;
  }
}

async function threadCpu(statPath: string): Promise<number> {
  const stat = await readFile(statPath, 'utf8');
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th overall.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
