import { type CpuSnapshot, cpuSnapshot, foreignCores } from './host-cpu.ts';
import type { GenerateTiming, GpuNodeClient } from './http-client.ts';
import { round } from './percentiles.ts';
import { readServerCounters, type ServerCounters } from './server-counters.ts';

/** Host, benchmark and server counters at one moment of a load run. */
export interface LoadMark {
  readonly cpu: CpuSnapshot;
  readonly counters: ServerCounters;
}

/** One slice of a load run: was the host quiet, and what did the server deliver. */
export interface LoadSlice {
  readonly offset_ms: number;
  readonly duration_ms: number;
  readonly images_per_s: number | null;
  readonly server_cpu_cores: number | null;
  readonly foreign_cpu_cores: number | null;
}

/** Takes marks at `start`, every `sliceMs` after it, and at `end`. */
export async function marksBetween(
  ops: GpuNodeClient,
  pid: number | undefined,
  start: number,
  end: number,
  sliceMs: number,
): Promise<LoadMark[]> {
  const marks: LoadMark[] = [];
  for (let at = start; ; at = Math.min(end, at + sliceMs)) {
    await sleepUntil(at);
    const cpu = cpuSnapshot();
    marks.push({ cpu, counters: await readServerCounters(ops, pid) });
    if (at >= end) return marks;
  }
}

/** Images whose response completed in `[from, to)`. */
export function imagesBetween(timings: readonly GenerateTiming[], from: number, to: number): number {
  return timings.reduce(
    (sum, timing) => sum + (timing.endedAt >= from && timing.endedAt < to ? timing.images : 0),
    0,
  );
}

/** Slices between consecutive marks, with throughput and CPU use in each. */
export function loadSlices(marks: readonly LoadMark[], timings: readonly GenerateTiming[]): LoadSlice[] {
  const first = marks[0];
  if (!first) return [];
  return marks.slice(1).map((after, index) => {
    const before = marks[index] ?? first;
    const seconds = (after.cpu.at - before.cpu.at) / 1000;
    const serverSeconds = serverCpuSeconds(before, after);
    return {
      offset_ms: round(before.cpu.at - first.cpu.at, 0) ?? 0,
      duration_ms: round(seconds * 1000, 0) ?? 0,
      images_per_s: round(imagesBetween(timings, before.cpu.at, after.cpu.at) / seconds, 3),
      server_cpu_cores: serverSeconds === null ? null : round(serverSeconds / seconds, 3),
      foreign_cpu_cores: foreignCores(before.cpu, after.cpu, serverSeconds ?? 0),
    };
  });
}

/** CPU seconds the server used between two marks; null off Linux. */
export function serverCpuSeconds(before: LoadMark, after: LoadMark): number | null {
  const from = before.counters.cpuSeconds;
  const to = after.counters.cpuSeconds;
  return from === null || to === null ? null : to - from;
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}
